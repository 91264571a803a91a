import SQLKit

/// A SQL database the metadata store runs on: how to read, and how to run
/// a transaction. SQLite and PostgreSQL differ only here and in a few
/// column types (`SQLFlavor`).
public protocol SQLBackend: Sendable {
    var flavor: SQLFlavor { get }
    /// Runs `body` on a connection that sees committed data.
    func read<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    /// Runs `body` in one transaction: committed if it returns, rolled back
    /// if it throws. A `durable` commit is on stable storage before this
    /// returns; a non-durable one (for state a client can recreate, such as
    /// upload sessions) may be lost by a power failure, never by a crash of
    /// the process, and is made durable by the next durable commit.
    func transaction<T: Sendable>(durable: Bool, _ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    func close() async throws
}

/// The few places where the schema's SQL differs between databases.
public enum SQLFlavor: Sendable {
    case sqlite
    case postgres

    /// Text compared byte by byte, so listings sort the same everywhere.
    var text: String { self == .postgres ? "TEXT COLLATE \"C\"" : "TEXT" }
    var bytes: String { self == .postgres ? "BYTEA" : "BLOB" }

    /// An aggregate joining a column's values with newlines in `column`
    /// order: one row instead of thousands for long listings.
    func lines(_ column: String) -> String {
        self == .postgres
            ? "string_agg(\(column), E'\\n' ORDER BY \(column))"
            : "group_concat(\(column), char(10) ORDER BY \(column))"
    }
}
