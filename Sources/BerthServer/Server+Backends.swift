import BerthMetadata
import BerthRegistry
import BerthS3
import BerthStorage
import Foundation
import Logging
import NIOPosix

/// Which stores a configuration names, for the server and the commands.
extension Server {
    /// The filesystem under the data folder, or an S3 bucket.
    static func blobStore(_ configuration: Configuration, root: String, threadPool: NIOThreadPool, logger: Logger) async throws
        -> any BlobStore
    {
        guard configuration.storage == "s3" else { return try FileSystemBlobStore(root: root, threadPool: threadPool) }
        let store = S3BlobStore(try configuration.s3)
        do {
            try await store.ensureBucket()
        } catch {
            logger.warning("could not create the bucket (it may exist already)", metadata: ["error": "\(error)"])
        }
        return store
    }

    /// SQLite in the data folder, or a shared PostgreSQL database.
    static func database(_ configuration: Configuration, root: String, logger: Logger) async throws -> any SQLBackend {
        guard let url = configuration.database else { return try SQLiteBackend(path: root + "/metadata.sqlite") }
        return try await PostgresBackend(url: url, connections: configuration.databaseConnections, logger: logger)
    }

    /// Collects garbage in a data folder from outside the server (`berth gc`):
    /// safe while a server runs on it, which drops its caches within a second.
    public static func collectGarbage(
        configuration: Configuration, options: GarbageCollector.Options, logger: Logger
    ) async throws -> GarbageCollector.Report {
        let threadPool = NIOThreadPool(numberOfThreads: 4)
        threadPool.start()
        let root = URL(fileURLWithPath: configuration.data).standardizedFileURL.path
        let metadata = try await SQLStores.open(backend: try await database(configuration, root: root, logger: logger))
        let blobs = try await blobStore(configuration, root: root, threadPool: threadPool, logger: logger)
        let maintenance = Maintenance(
            collector: GarbageCollector(blobs: blobs, store: metadata.collection, logger: logger), runs: metadata.jobs, leases: metadata.jobs,
            content: ContentService(blobs: blobs, metadata: metadata.content, logger: logger), retention: metadata.rules,
            metrics: JobMetrics(), contentRemoved: {})
        let report: GarbageCollector.Report
        do {
            report = try await maintenance.collectGarbage(options)
        } catch {
            try? await metadata.close()
            try? await threadPool.shutdownGracefully()
            throw error
        }
        try await metadata.close()
        try await threadPool.shutdownGracefully()
        return report
    }

    /// `berth vulndb import`: loads OSV advisories into the database the configuration names.
    public static func importAdvisories(from path: String, configuration: Configuration, logger: Logger) async throws -> AdvisoryImporter.Report {
        let root = URL(fileURLWithPath: configuration.data).standardizedFileURL.path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let metadata = try await SQLStores.open(backend: try await database(configuration, root: root, logger: logger))
        do {
            let report = try await AdvisoryImporter(store: metadata.vulnerabilities, scans: metadata.scans).importPath(path)
            try await metadata.close()
            return report
        } catch {
            try? await metadata.close()
            throw error
        }
    }
}
