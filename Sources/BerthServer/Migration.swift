import BerthMetadata
import BerthStorage
import Foundation
import Logging
import NIOCore
import NIOPosix
import OCI

/// `berth migrate`: copies one store (typically the embedded filesystem +
/// SQLite) into another (S3 + PostgreSQL) so a team can grow without
/// pushing its images again. Blobs first, each streamed through an upload
/// of the target that verifies its digest before it becomes visible, and
/// skipped when the target has it already (so a run can be repeated after
/// an interruption, or to catch up before switching over); then every
/// table, mirrored whole. Run it once while the old server runs, stop that
/// server, run it again (quick: only what changed moves), start the new nodes.
public enum Migration {
    public struct Report: Sendable, Codable, Equatable {
        public var blobsCopied = 0
        public var blobsAlreadyThere = 0
        public var bytesCopied: Int64 = 0
        /// Rows copied per table.
        public var rows: [String: Int] = [:]
        public var durationSeconds = 0.0

        enum CodingKeys: String, CodingKey {
            case blobsCopied = "blobs_copied", blobsAlreadyThere = "blobs_already_there", bytesCopied = "bytes_copied", rows
            case durationSeconds = "duration_seconds"
        }
    }

    public static func run(from source: Configuration, to target: Configuration, logger: Logger) async throws -> Report {
        let started = ContinuousClock.now
        let threadPool = NIOThreadPool(numberOfThreads: 4)
        threadPool.start()
        defer { threadPool.shutdownGracefully { _ in } }
        let sourceRoot = URL(fileURLWithPath: source.data).standardizedFileURL.path
        let targetRoot = URL(fileURLWithPath: target.data).standardizedFileURL.path
        let from = try await SQLStores.open(backend: try await Server.database(source, root: sourceRoot, logger: logger))
        let to = try await SQLStores.open(backend: try await Server.database(target, root: targetRoot, logger: logger))
        let fromBlobs = try await Server.blobStore(source, root: sourceRoot, threadPool: threadPool, logger: logger)
        let toBlobs = try await Server.blobStore(target, root: targetRoot, threadPool: threadPool, logger: logger)
        var report = Report()
        do {
            for blob in try await from.collection.indexedBlobs() {
                if try await toBlobs.size(of: blob.digest) == blob.size {
                    report.blobsAlreadyThere += 1
                    continue
                }
                guard let chunks = try await fromBlobs.read(blob.digest, range: nil) else {
                    logger.error("indexed blob missing from the source store; skipped", metadata: ["digest": "\(blob.digest)"])
                    continue
                }
                let id = "migrate-" + UUID().uuidString.lowercased()
                try await toBlobs.startUpload(id: id)
                _ = try await toBlobs.append(to: id, at: 0, body: chunks, limit: .max)
                report.bytesCopied += try await toBlobs.commit(upload: id, as: blob.digest)
                report.blobsCopied += 1
            }
            for table in Schema.copiedTables {
                report.rows[table] = try await mirror(table, from: from.database, to: to.database)
            }
            try await to.collection.bumpContentEpoch()
        } catch {
            try? await from.close()
            try? await to.close()
            throw error
        }
        try await from.close()
        try await to.close()
        let elapsed = ContinuousClock.now - started
        report.durationSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return report
    }

    /// Replaces the target table's rows with the source's, in pages.
    static func mirror(_ table: String, from source: any SQLBackend, to target: any SQLBackend) async throws -> Int {
        let page = 1000
        var copied = 0
        try await target.transaction(durable: true) { db in try db.execute("DELETE FROM \(table)", []) }
        while true {
            let offset = copied
            let rows = try await source.read { db in
                try db.rows("SELECT * FROM \(table) ORDER BY 1 LIMIT ? OFFSET ?", [.integer(Int64(page)), .integer(Int64(offset))])
            }
            guard let first = rows.first else { break }
            let columns = first.columns.keys.sorted()
            let sql = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))"
            try await target.transaction(durable: true) { db in
                for row in rows { try db.execute(sql, columns.map { row.columns[$0] ?? .null }) }
            }
            copied += rows.count
            if rows.count < page { break }
        }
        if Schema.numberedTables.contains(table), target.flavor == .postgres {
            // Rows came with their numbers: move the sequence past them.
            try await target.transaction(durable: true) { db in
                try db.execute(
                    "SELECT setval(pg_get_serial_sequence('\(table)', 'seq'), COALESCE((SELECT MAX(seq) FROM \(table)), 0) + 1, false)",
                    [])
            }
        }
        return copied
    }
}
