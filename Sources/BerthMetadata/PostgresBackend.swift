import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// `SQLBackend` on PostgreSQL, for several nodes sharing one database.
///
/// Each store operation runs, like on SQLite, as one synchronous closure on
/// a thread of its own with a connection of its own (the pool has as many
/// connections as threads), so `?` statements keep their simple shape.
/// Writes run SERIALIZABLE, retried on serialization failures, so the
/// re-checks the stores make inside a transaction hold across nodes too;
/// non-durable commits turn `synchronous_commit` off for that transaction.
public final class PostgresBackend: SQLBackend {
    public var flavor: SQLFlavor { .postgres }
    private let threads: NIOThreadPool
    private let idle: Mutex<[PostgresConnection]>
    private let logger: Logger
    static let retries = 20

    /// Connects `connections` times to the database at `url`
    /// (`postgres://user:password@host:port/database`).
    public init(url: String, connections: Int = 8, logger: Logger = Logger(label: "berth.postgres")) async throws {
        let configuration = try Self.configuration(url)
        var opened: [PostgresConnection] = []
        do {
            for index in 0..<connections {
                opened.append(try await PostgresConnection.connect(configuration: configuration, id: index, logger: logger))
            }
        } catch {
            for connection in opened { try? await connection.close() }
            throw error
        }
        idle = Mutex(opened)
        threads = NIOThreadPool(numberOfThreads: connections)
        threads.start()
        self.logger = logger
    }

    static func configuration(_ url: String) throws -> PostgresConnection.Configuration {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? ""),
              let host = components.host, let user = components.user
        else { throw PostgresURLError(url: url) }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        let tls: PostgresConnection.Configuration.TLS =
            components.queryItems?.contains { $0.name == "sslmode" && $0.value == "require" } == true
            ? .require(try .init(configuration: .makeClientConfiguration())) : .disable
        return PostgresConnection.Configuration(
            host: host, port: components.port ?? 5432, username: user, password: components.password,
            database: database.isEmpty ? nil : database, tls: tls)
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await withConnection { connection in try body(PostgresSession(connection: connection, logger: self.logger)) }
    }

    public func transaction<T: Sendable>(durable: Bool, _ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await withConnection { connection in
            let session = PostgresSession(connection: connection, logger: self.logger)
            for attempt in 1...Self.retries {
                try session.execute("BEGIN ISOLATION LEVEL SERIALIZABLE", [])
                if !durable { try session.execute("SET LOCAL synchronous_commit = off", []) }
                do {
                    let result = try body(session)
                    try session.execute("COMMIT", [])
                    return result
                } catch {
                    try? session.execute("ROLLBACK", [])
                    guard Self.isSerializationFailure(error), attempt < Self.retries else { throw error }
                    Thread.sleep(forTimeInterval: Double.random(in: 0.001...0.01) * Double(attempt))
                }
            }
            fatalError("unreachable: the last attempt returns or throws")
        }
    }

    /// READ COMMITTED, so that once the advisory lock is granted the body
    /// sees what the previous holder committed (a serializable snapshot
    /// would predate it).
    public func exclusiveTransaction<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await withConnection { connection in
            let session = PostgresSession(connection: connection, logger: self.logger)
            try session.execute("BEGIN ISOLATION LEVEL READ COMMITTED", [])
            do {
                try session.execute("SELECT pg_advisory_xact_lock(7271003)", [])
                let result = try body(session)
                try session.execute("COMMIT", [])
                return result
            } catch {
                try? session.execute("ROLLBACK", [])
                throw error
            }
        }
    }

    static func isSerializationFailure(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError, let state = error.serverInfo?[.sqlState] else { return false }
        return state == "40001" || state == "40P01"
    }

    /// Runs `work` on a pool thread holding a connection of its own.
    private func withConnection<T: Sendable>(_ work: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await threads.runIfActive {
            guard let connection = self.idle.withLock({ $0.popLast() }) else {
                throw PostgresURLError(url: "no idle connection")  // cannot happen: one connection per thread
            }
            defer { self.idle.withLock { $0.append(connection) } }
            return try work(connection)
        }
    }

    public func close() async throws {
        for connection in idle.withLock({ connections in
            defer { connections.removeAll() }
            return connections
        }) { try? await connection.close() }
        try await threads.shutdownGracefully()
    }

    /// A backend dropped without `close()` still closes its connections;
    /// each stays alive until its close completes.
    deinit {
        for connection in idle.withLock({ $0 }) {
            connection.close().whenComplete { _ in _ = connection }
        }
        threads.shutdownGracefully { _ in }
    }

    /// Creates database `name` on the server of `url` unless it exists (for tests and first starts).
    public static func createDatabase(_ name: String, at url: String) async throws {
        var configuration = try configuration(url)
        configuration.database = "postgres"
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: Logger(label: "berth.postgres"))
        defer { Task { try? await connection.close() } }
        let exists = try await connection.query(PostgresQuery(unsafeSQL: "SELECT 1 FROM pg_database WHERE datname = $1", binds: {
            var binds = PostgresBindings()
            binds.append(name)
            return binds
        }()), logger: Logger(label: "berth.postgres")).collect()
        if exists.isEmpty {
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \"\(name.replacingOccurrences(of: "\"", with: ""))\""),
                logger: Logger(label: "berth.postgres"))
        }
    }
}

public struct PostgresURLError: Error, CustomStringConvertible {
    let url: String
    public var description: String { "database must be postgres://user:password@host:port/database (got \(url.prefix(200)))" }
}

/// Statements on one connection, waited for on the calling (pool) thread.
struct PostgresSession: SQLSession {
    let connection: PostgresConnection
    let logger: Logger

    func execute(_ sql: String, _ arguments: [SQLValue]) throws {
        _ = try connection.query(Self.query(sql, arguments), logger: logger).wait()
    }

    func rows(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
        try connection.query(Self.query(sql, arguments), logger: logger).wait().rows.map { row in
            var columns: [String: SQLValue] = [:]
            for cell in row { columns[cell.columnName] = try Self.value(cell) }
            return SQLRow(columns: columns)
        }
    }

    /// `?` placeholders become `$1`, `$2`, … (no statement has a `?` in a literal).
    static func query(_ sql: String, _ arguments: [SQLValue]) -> PostgresQuery {
        var text = ""
        var index = 0
        for character in sql {
            if character == "?" {
                index += 1
                text += "$\(index)"
            } else {
                text.append(character)
            }
        }
        var binds = PostgresBindings(capacity: arguments.count)
        for argument in arguments {
            switch argument {
            case .text(let value): binds.append(value)
            case .integer(let value): binds.append(value)
            case .bytes(let value): binds.append(ByteBuffer(bytes: value))
            case .null: binds.appendNull()
            }
        }
        return PostgresQuery(unsafeSQL: text, binds: binds)
    }

    static func value(_ cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8: return .integer(try cell.decode(Int64.self))
        case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
        case .bytea: return .bytes(Array(try cell.decode(ByteBuffer.self).readableBytesView))
        default: return .text(try cell.decode(String.self))
        }
    }
}
