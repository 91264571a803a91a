import ArgumentParser
import BerthServer
import Foundation
import Logging

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy a registry's blobs and metadata into other backends (S3 + PostgreSQL).",
        discussion: """
            Every blob is verified against its digest on the way; blobs the target has already are \
            skipped, so the command can be run again after an interruption, and once more after \
            stopping the old server to catch up with the last pushes. Tables are mirrored whole. \
            Prints the report as JSON.
            """)

    @Option(name: .long, help: "Data folder of the registry to copy (default: ./berth-data).")
    var fromData = "./berth-data"

    @Option(name: .long, help: "YAML configuration of the registry to copy, when it is not the embedded one.")
    var fromConfig: String?

    @Option(name: .long, help: "YAML configuration of the target: database (postgres://…), storage: s3 and its s3_* settings.")
    var toConfig: String

    func run() async throws {
        var source = Configuration()
        var target = Configuration()
        do {
            if let fromConfig { try source.apply(yaml: String(contentsOfFile: fromConfig, encoding: .utf8)) }
            source.data = fromData
            try target.apply(yaml: String(contentsOfFile: toConfig, encoding: .utf8))
        } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        }
        guard target.database != source.database || target.storage != source.storage || target.data != source.data else {
            throw ValidationError("the target is the source")
        }
        var logger = Logger(label: "berth")
        logger.logLevel = .warning
        let report = try await Migration.run(from: source, to: target, logger: logger)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        print(String(decoding: try encoder.encode(report), as: UTF8.self))
    }
}
