import Logging
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit
import Synchronization

/// SQLite in WAL mode: writer connections whose transactions are serialized
/// in-process (so they never meet SQLITE_BUSY), and a few reader
/// connections that read concurrently with them. There are two writers,
/// one committing with `synchronous = FULL` and one with `NORMAL`, so that
/// choosing durability per transaction costs no statement.
public final class SQLiteBackend: SQLBackend {
    public let flavor = SQLFlavor.sqlite
    private let durableWriter: SQLiteConnection
    private let fastWriter: SQLiteConnection
    private let readers: [SQLiteConnection]
    private let nextReader = Atomic<Int>(0)
    private let writeLock = AsyncLock()

    public static func open(path: String, readers: Int = 4, logger: Logger) async throws -> SQLiteBackend {
        // WAL lets readers proceed while a write is in progress; FULL makes
        // every acknowledged push survive a power loss, not just a crash.
        // In WAL mode NORMAL skips the fsync at commit, and the next FULL
        // commit flushes the log, earlier commits included.
        let durableWriter = try await Self.connect(path: path, synchronous: "FULL", logger: logger)
        _ = try await durableWriter.query("PRAGMA journal_mode = WAL")
        let fastWriter = try await Self.connect(path: path, synchronous: "NORMAL", logger: logger)
        var readerConnections: [SQLiteConnection] = []
        for _ in 0..<max(1, readers) {
            readerConnections.append(try await Self.connect(path: path, synchronous: "NORMAL", logger: logger))
        }
        return SQLiteBackend(durableWriter: durableWriter, fastWriter: fastWriter, readers: readerConnections)
    }

    private static func connect(path: String, synchronous: String, logger: Logger) async throws -> SQLiteConnection {
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        _ = try await connection.query("PRAGMA synchronous = \(synchronous)")
        _ = try await connection.query("PRAGMA busy_timeout = 10000")
        return connection
    }

    private init(durableWriter: SQLiteConnection, fastWriter: SQLiteConnection, readers: [SQLiteConnection]) {
        self.durableWriter = durableWriter
        self.fastWriter = fastWriter
        self.readers = readers
    }

    public func read<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let index = nextReader.wrappingAdd(1, ordering: .relaxed).oldValue
        return try await body(readers[index % readers.count].sql(queryLogLevel: nil))
    }

    public func transaction<T: Sendable>(durable: Bool, _ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let db = (durable ? durableWriter : fastWriter).sql(queryLogLevel: nil)
        return try await writeLock.withLock {
            try await db.raw("BEGIN IMMEDIATE").run()
            do {
                let result = try await body(db)
                try await db.raw("COMMIT").run()
                return result
            } catch {
                try? await db.raw("ROLLBACK").run()
                throw error
            }
        }
    }

    public func close() async throws {
        for reader in readers { try await reader.close() }
        try await fastWriter.close()
        try await durableWriter.close()
    }
}
