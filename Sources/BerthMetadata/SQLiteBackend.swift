import Foundation
import GRDB
import Synchronization

/// SQLite through GRDB: a pool in WAL mode, with one writer (GRDB
/// serializes writes, so they never meet SQLITE_BUSY) and readers that run
/// concurrently with it. Statements are prepared once and reused.
public final class SQLiteBackend: SQLBackend {
    public let flavor = SQLFlavor.sqlite
    private let pool: DatabasePool
    private let writes: GroupCommit

    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.maximumReaderCount = 4
        // FULL: an acknowledged push survives a power loss, not just a crash.
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        writes = GroupCommit(pool: pool)
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await pool.read { db in try body(GRDBSession(db: db)) }
    }

    /// Every transaction is serializable: writers take turns. Writes that
    /// arrive while one is committing wait and commit together, each in a
    /// savepoint of one transaction, with one fsync for all (group commit:
    /// with one writer, each commit's fsync was what limited pushes).
    public func transaction<T: Sendable>(
        durable: Bool, isolation: TransactionIsolation, _ body: @escaping @Sendable (any SQLSession) throws -> T
    ) async throws -> T {
        try await write(durable: durable, background: false, body)
    }

    public func backgroundTransaction<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await write(durable: false, background: true, body)
    }

    private func write<T: Sendable>(durable: Bool, background: Bool, _ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let outcome = Outcome<T>()
            writes.add(GroupCommit.Write(
                durable: durable, background: background,
                run: { db in
                    outcome.set(Result {
                        var result: T?
                        try db.inSavepoint {
                            result = try body(GRDBSession(db: db))
                            return .commit
                        }
                        return result!
                    })
                },
                finish: { commitError in
                    // Told only once the group is committed (or is not).
                    if let commitError { return continuation.resume(throwing: commitError) }
                    continuation.resume(with: outcome.get() ?? .failure(GroupCommit.NotRun()))
                }))
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

/// The writes waiting for the database's one writer, committed in groups.
private final class GroupCommit: Sendable {
    struct Write: Sendable {
        let durable: Bool
        /// Committed alone, once no other write waits (or after `foregroundTurns` groups of them).
        let background: Bool
        /// Runs the write in a savepoint of the group's transaction.
        let run: @Sendable (Database) -> Void
        /// Tells the caller, with the error if the group did not commit.
        let finish: @Sendable ((any Error)?) -> Void
    }

    /// A write left out of a group that failed before it ran.
    struct NotRun: Error {}

    private let pool: DatabasePool
    private struct Queue {
        var waiting: [Write] = []
        var background: [Write] = []
        var committing = false
        /// Groups committed in a row while a background write waited.
        var foregroundRun = 0
    }

    private let state = Mutex(Queue())
    /// Writes one commit takes at most, so that a group's transaction stays short.
    static let maxGroup = 256
    /// A background write goes after at most this many groups of others, so
    /// a busy writer slows background work down but never stops it.
    static let foregroundTurns = 4

    init(pool: DatabasePool) { self.pool = pool }

    func add(_ write: Write) {
        let start = state.withLock { state -> Bool in
            if write.background { state.background.append(write) } else { state.waiting.append(write) }
            guard !state.committing else { return false }
            state.committing = true
            return true
        }
        if start { Task { await self.drain() } }
    }

    /// Commits groups until no write waits.
    private func drain() async {
        while true {
            let group = state.withLock { state -> [Write] in
                var taken: [Write]
                if !state.background.isEmpty, state.waiting.isEmpty || state.foregroundRun >= Self.foregroundTurns {
                    taken = [state.background.removeFirst()]
                    state.foregroundRun = 0
                } else {
                    taken = Array(state.waiting.prefix(Self.maxGroup))
                    state.waiting.removeFirst(taken.count)
                    if !state.background.isEmpty { state.foregroundRun += 1 }
                }
                if taken.isEmpty { state.committing = false }
                return taken
            }
            guard !group.isEmpty else { return }
            let durable = group.contains(where: \.durable)
            do {
                try await pool.writeWithoutTransaction { db in
                    // In WAL mode NORMAL skips the fsync at commit; the next FULL
                    // commit flushes the log, earlier commits included.
                    try db.cachedStatement(sql: durable ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL").execute()
                    try db.inTransaction(.immediate) {
                        for write in group { write.run(db) }
                        return .commit
                    }
                }
                for write in group { write.finish(nil) }
            } catch {
                for write in group { write.finish(error) }
            }
        }
    }
}

/// What one write of a group returned or threw.
private final class Outcome<T: Sendable>: Sendable {
    private let value = Mutex<Result<T, any Error>?>(nil)
    func set(_ result: Result<T, any Error>) { value.withLock { $0 = result } }
    func get() -> Result<T, any Error>? { value.withLock { $0 } }
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
