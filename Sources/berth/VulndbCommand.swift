import ArgumentParser
import BerthRegistry
import BerthServer
import Foundation
import Logging

struct VulndbCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vulndb", abstract: "Manage the vulnerability database.", subcommands: [Import.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import OSV advisories: an all.zip archive, a .json record, or a folder of them.",
            discussion: """
                Safe while the server runs. A record newer than the one kept replaces it; a withdrawn one is removed; \
                a malformed one is counted and skipped. Prints the counts as JSON.
                """)

        @Option(name: .long, help: "The server's YAML configuration: where its database is (PostgreSQL).")
        var config: String?

        @Option(name: .long, help: "Data folder of the registry (default: BERTH_DATA or ./berth-data).")
        var data: String?

        @Argument(help: "An OSV all.zip, a record, or a folder of them.")
        var path: String

        func run() async throws {
            var logger = Logger(label: "berth")
            logger.logLevel = .warning
            let configuration = try Configuration.forCommand(config: config, data: data)
            let report: AdvisoryImporter.Report
            do {
                report = try await Server.importAdvisories(from: path, configuration: configuration, logger: logger)
            } catch let failure as ImportFailure {
                throw ValidationError(failure.description)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        }
    }
}
