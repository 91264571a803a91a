import ArgumentParser
import BerthRegistry
import BerthServer
import Foundation
import Logging

struct GCCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Remove manifests and blobs nothing needs any more.",
        discussion: """
            Safe while the server runs: pushes and pulls continue, and a blob or manifest younger \
            than the grace period is never removed, so a push in flight keeps what it uploaded. \
            Prints the report as JSON.
            """)

    @Option(name: .long, help: "The server's YAML configuration: where its database and blobs are (S3, PostgreSQL).")
    var config: String?

    @Option(name: .long, help: "Data folder of the registry (default: BERTH_DATA or ./berth-data).")
    var data: String?

    @Flag(name: .long, help: "Only report what would be removed.")
    var dryRun = false

    @Flag(name: .long, help: "Also remove untagged manifests that no index or live subject needs.")
    var deleteUntagged = false

    @Option(name: .long, help: "Keep what is younger than this: 90s, 15m, 1h (default 1h).")
    var grace = "1h"

    func run() async throws {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        guard let unit = grace.last.flatMap({ units[$0] }), let amount = Double(grace.dropLast()), amount >= 0 else {
            throw ValidationError("--grace takes a duration such as 90s, 15m or 1h")
        }
        var logger = Logger(label: "berth")
        logger.logLevel = .warning
        let configuration = try Configuration.forCommand(config: config, data: data)
        let report = try await Server.collectGarbage(
            configuration: configuration,
            options: GarbageCollector.Options(dryRun: dryRun, deleteUntagged: deleteUntagged, grace: amount * unit),
            logger: logger)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        print(String(decoding: try encoder.encode(report), as: UTF8.self))
    }
}
