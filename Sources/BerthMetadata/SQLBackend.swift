import Foundation

/// A SQL database the metadata store runs on. Each operation of the store
/// is one closure run on a database thread with a session: one hop from the
/// caller, whatever the number of statements (measured: per-statement hops
/// cost more than the statements themselves).
public protocol SQLBackend: Sendable {
    var flavor: SQLFlavor { get }
    /// Runs `body` on a connection that sees committed data.
    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T
    /// Runs `body` in one transaction: committed if it returns, rolled back
    /// if it throws. A `durable` commit is on stable storage before this
    /// returns; a non-durable one (for state a client can recreate, such as
    /// upload sessions) may be lost by a power failure, never by a crash of
    /// the process, and is made durable by the next durable commit.
    func transaction<T: Sendable>(
        durable: Bool, isolation: TransactionIsolation, _ body: @escaping @Sendable (any SQLSession) throws -> T
    ) async throws -> T
    /// Runs `body` in one non-durable transaction for background work (scans):
    /// on SQLite, whose one writer requests' writes wait for, it commits apart
    /// from them and waits while they wait, so a request waits behind at
    /// most one of these. Elsewhere an ordinary transaction.
    func backgroundTransaction<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T
    /// Runs `body` in one durable transaction that no other process runs
    /// at the same time and that sees what the previous one committed
    /// (schema migrations when several nodes start together).
    func exclusiveTransaction<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T
    func close() async throws
}

extension SQLBackend {
    /// A serializable transaction.
    public func transaction<T: Sendable>(durable: Bool, _ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await transaction(durable: durable, isolation: .serializable, body)
    }

    public func backgroundTransaction<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await transaction(durable: false, body)
    }
}

/// How a transaction is kept apart from concurrent ones. It matters on
/// PostgreSQL only: SQLite runs one writer at a time, which is both.
public enum TransactionIsolation: Sendable {
    /// As if it ran alone, so the re-checks its body makes hold across
    /// nodes without locks (SERIALIZABLE, run again after a conflict).
    case serializable
    /// Each statement sees what was committed when it started, and the body
    /// takes the locks its re-checks need (`SQLSession.lock`, the row locks
    /// of `SQLFlavor`). For the content's hot writes: under SERIALIZABLE,
    /// concurrent pushes to one repository met on the same index pages and
    /// spent their time in conflict retries.
    case readCommitted
}

/// Statements with `?` placeholders, run synchronously on a database thread.
public protocol SQLSession {
    func execute(_ sql: String, _ arguments: [SQLValue]) throws
    func rows(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow]
    /// Runs `sql` after the statements before it without waiting for its
    /// answer; a failure is thrown by the next statement waited for (the
    /// commit at the latest). On SQLite the same as `execute`.
    func enqueue(_ sql: String, _ arguments: [SQLValue]) throws
    /// Queues statements that read nothing the others write, as few
    /// statements as the database allows: on PostgreSQL one (data-modifying
    /// WITH clauses: one snapshot, no set order among them), on SQLite one
    /// after the other.
    func enqueue(together statements: [SQLStatement]) throws
    /// Takes `locks`, in order, until the transaction ends (waiting for
    /// conflicting holders). A no-op on SQLite, whose writers run one at a time.
    func lock(_ locks: [SQLLock]) throws
}

/// One statement and its arguments.
public struct SQLStatement: Sendable {
    public let sql: String
    public let arguments: [SQLValue]

    public init(_ sql: String, _ arguments: [SQLValue]) {
        self.sql = sql
        self.arguments = arguments
    }
}

/// A named lock held until the end of a transaction: shared holders run
/// side by side, an exclusive one alone. Names are hashed to 64 bits; a
/// collision only makes two unrelated writers wait for each other.
public struct SQLLock: Sendable, Equatable {
    public let name: String
    public let shared: Bool

    public static func shared(_ name: String) -> SQLLock { SQLLock(name: name, shared: true) }
    public static func exclusive(_ name: String) -> SQLLock { SQLLock(name: name, shared: false) }
}

extension SQLSession {
    func execute(_ sql: String, _ arguments: SQLValue...) throws { try execute(sql, arguments) }
    func enqueue(_ sql: String, _ arguments: SQLValue...) throws { try enqueue(sql, arguments) }
    func rows(_ sql: String, _ arguments: SQLValue...) throws -> [SQLRow] { try rows(sql, arguments) }
    func row(_ sql: String, _ arguments: SQLValue...) throws -> SQLRow? { try rows(sql, arguments).first }
}

/// A value bound to a placeholder or read from a column.
public enum SQLValue: Sendable, Equatable {
    case text(String)
    case integer(Int64)
    case bytes([UInt8])
    case null

    static func text(_ value: String?) -> SQLValue { value.map(SQLValue.text) ?? .null }
}

/// One result row, by column name.
public struct SQLRow: Sendable {
    public let columns: [String: SQLValue]

    public init(columns: [String: SQLValue]) { self.columns = columns }

    func text(_ column: String) throws -> String {
        guard case .text(let value) = columns[column] else { throw SQLRowError(column: column, expected: "text") }
        return value
    }

    func optionalText(_ column: String) throws -> String? {
        if case .null = columns[column] ?? .null { return nil }
        return try text(column)
    }

    func optionalInteger(_ column: String) throws -> Int64? {
        if case .null = columns[column] ?? .null { return nil }
        return try integer(column)
    }

    func integer(_ column: String) throws -> Int64 {
        guard case .integer(let value) = columns[column] else { throw SQLRowError(column: column, expected: "integer") }
        return value
    }

    func bytes(_ column: String) throws -> [UInt8] {
        switch columns[column] {
        case .bytes(let value): return value
        case .text(let value): return Array(value.utf8)
        default: throw SQLRowError(column: column, expected: "bytes")
        }
    }
}

struct SQLRowError: Error, CustomStringConvertible {
    let column: String
    let expected: String
    var description: String { "column \(column) is not \(expected)" }
}

/// Times are stored as milliseconds since 1970 in BIGINT columns.
extension Date {
    /// Saturates rather than traps: `distantFuture`, or a time a policy
    /// computed from a large number, is still a time that sorts last.
    var millisSince1970: Int64 {
        let millis = (timeIntervalSince1970 * 1000).rounded()
        guard millis.isFinite else { return millis > 0 ? .max : .min }
        return Int64(exactly: millis) ?? (millis > 0 ? .max : .min)
    }
    init(millisSince1970 millis: Int64) { self.init(timeIntervalSince1970: Double(millis) / 1000) }
}

extension SQLValue {
    static func time(_ date: Date) -> SQLValue { .integer(date.millisSince1970) }
}

extension SQLRow {
    func time(_ column: String) throws -> Date { Date(millisSince1970: try integer(column)) }
}

/// The few places where the schema's SQL differs between databases.
public enum SQLFlavor: Sendable {
    case sqlite
    case postgres

    /// Text compared byte by byte, so listings sort the same everywhere.
    var text: String { self == .postgres ? "TEXT COLLATE \"C\"" : "TEXT" }
    var bytes: String { self == .postgres ? "BYTEA" : "BLOB" }
    /// An integer key the database numbers itself, in insertion order.
    var serialKey: String { self == .postgres ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT" }
    /// Appended to a SELECT in a read-committed transaction: the rows of
    /// `table` read cannot be deleted (or their key changed) until it ends;
    /// other readers and updates of other columns go on. SQLite needs no row locks.
    func forKeyShare(of table: String) -> String { self == .postgres ? " FOR KEY SHARE OF \(table)" : "" }
}
