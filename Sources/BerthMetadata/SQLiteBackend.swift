import Logging
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit
import Synchronization

/// SQLite in WAL mode: one writer connection, whose transactions are
/// serialized in-process (so they never meet SQLITE_BUSY), and a few reader
/// connections that read concurrently with it.
public final class SQLiteBackend: SQLBackend {
    public let flavor = SQLFlavor.sqlite
    private let writer: SQLiteConnection
    private let readers: [SQLiteConnection]
    private let nextReader = Atomic<Int>(0)
    private let writeLock = AsyncLock()
    /// The writer's `synchronous` setting, changed only under `writeLock`.
    private let writerIsDurable = Atomic<Bool>(true)

    public static func open(path: String, readers: Int = 4, logger: Logger) async throws -> SQLiteBackend {
        let writer = try await Self.connect(path: path, logger: logger)
        // WAL lets readers proceed while a write is in progress; FULL makes
        // every acknowledged push survive a power loss, not just a crash.
        _ = try await writer.query("PRAGMA journal_mode = WAL")
        var readerConnections: [SQLiteConnection] = []
        for _ in 0..<max(1, readers) {
            readerConnections.append(try await Self.connect(path: path, logger: logger))
        }
        return SQLiteBackend(writer: writer, readers: readerConnections)
    }

    private static func connect(path: String, logger: Logger) async throws -> SQLiteConnection {
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        _ = try await connection.query("PRAGMA synchronous = FULL")
        _ = try await connection.query("PRAGMA busy_timeout = 10000")
        return connection
    }

    private init(writer: SQLiteConnection, readers: [SQLiteConnection]) {
        self.writer = writer
        self.readers = readers
    }

    public func read<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let index = nextReader.wrappingAdd(1, ordering: .relaxed).oldValue
        return try await body(readers[index % readers.count].sql(queryLogLevel: nil))
    }

    public func transaction<T: Sendable>(durable: Bool, _ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let db = writer.sql(queryLogLevel: nil)
        return try await writeLock.withLock {
            // In WAL mode, NORMAL skips the fsync at commit; the next FULL
            // commit flushes the log, earlier commits included.
            if durable != self.writerIsDurable.load(ordering: .relaxed) {
                try await db.raw(durable ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL").run()
                self.writerIsDurable.store(durable, ordering: .relaxed)
            }
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
        try await writer.close()
    }
}
