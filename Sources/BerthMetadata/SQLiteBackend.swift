import Foundation
import GRDB

/// SQLite through GRDB: a pool in WAL mode, with one writer (GRDB
/// serializes writes, so they never meet SQLITE_BUSY) and readers that run
/// concurrently with it. Statements are prepared once and reused.
public final class SQLiteBackend: SQLBackend {
    public let flavor = SQLFlavor.sqlite
    private let pool: DatabasePool

    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.maximumReaderCount = 4
        // FULL: an acknowledged push survives a power loss, not just a crash.
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await pool.read { db in try body(GRDBSession(db: db)) }
    }

    /// Every transaction is serializable: writers take turns.
    public func transaction<T: Sendable>(
        durable: Bool, isolation: TransactionIsolation, _ body: @escaping @Sendable (any SQLSession) throws -> T
    ) async throws -> T {
        try await pool.writeWithoutTransaction { db in
            // In WAL mode NORMAL skips the fsync at commit; the next FULL
            // commit flushes the log, earlier commits included.
            try db.cachedStatement(sql: durable ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL").execute()
            var result: T?
            try db.inTransaction(.immediate) {
                result = try body(GRDBSession(db: db))
                return .commit
            }
            return result!
        }
    }

    /// SQLite has one writer at a time already.
    public func exclusiveTransaction<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await transaction(durable: true, body)
    }

    public func close() async throws {
        try pool.close()
    }
}

private struct GRDBSession: SQLSession {
    let db: Database

    func execute(_ sql: String, _ arguments: [SQLValue]) throws {
        try db.cachedStatement(sql: sql).execute(arguments: Self.arguments(arguments))
    }

    /// Writers take turns already.
    func lock(_ locks: [SQLLock]) throws {}

    func enqueue(_ sql: String, _ arguments: [SQLValue]) throws { try execute(sql, arguments) }

    func enqueue(together statements: [SQLStatement]) throws {
        for statement in statements { try execute(statement.sql, statement.arguments) }
    }

    func rows(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
        let statement = try db.cachedStatement(sql: sql)
        let names = statement.columnNames
        return try Row.fetchAll(statement, arguments: Self.arguments(arguments)).map { row in
            var columns: [String: SQLValue] = [:]
            for (index, name) in names.enumerated() {
                columns[name] = Self.value(row[index] as DatabaseValue)
            }
            return SQLRow(columns: columns)
        }
    }

    private static func arguments(_ values: [SQLValue]) -> StatementArguments {
        StatementArguments(values.map { value -> (any DatabaseValueConvertible)? in
            switch value {
            case .text(let text): text
            case .integer(let integer): integer
            case .bytes(let bytes): Data(bytes)
            case .null: nil
            }
        })
    }

    private static func value(_ value: DatabaseValue) -> SQLValue {
        switch value.storage {
        case .null: .null
        case .int64(let integer): .integer(integer)
        case .double(let double): .integer(Int64(double))
        case .string(let text): .text(text)
        case .blob(let data): .bytes([UInt8](data))
        }
    }
}
