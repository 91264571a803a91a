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
/// the content's hot writes run READ COMMITTED and take the locks they
/// need (see `TransactionIsolation`), retried on deadlocks. Non-durable
/// commits turn `synchronous_commit` off for that transaction.
///
/// A connection the server closed (restart, failover, `pg_terminate_backend`)
/// is dropped and replaced when an operation next needs one; an operation
/// whose connection died before its COMMIT was sent runs again on a new
/// one. While the server cannot be reached operations fail at once with
/// `DatabaseUnavailable` (a connection is attempted at most once a second),
/// and they succeed again as soon as it answers, without a restart.
public final class PostgresBackend: SQLBackend {
    public var flavor: SQLFlavor { .postgres }
    private let threads: NIOThreadPool
    private let state: Mutex<PoolState>
    private let configuration: PostgresConnection.Configuration
    private let logger: Logger
    static let retries = 20
    /// Runs of an operation whose connection was lost before it committed.
    static let reconnectAttempts = 3
    /// After a failed connection attempt, operations fail at once for this long
    /// instead of each waiting for a connection timeout of its own.
    static let reconnectHoldOff: Duration = .seconds(1)

    private struct PoolState {
        var idle: [PostgresConnection] = []
        var nextID = 0
        var closed = false
        /// Set while connections are being lost or cannot be opened; cleared (and logged) by the next connection opened.
        var degraded = false
        var lastFailure: (at: ContinuousClock.Instant, error: DatabaseUnavailable)?
        /// Used by `ping` only, so that health checks never wait behind store operations.
        var healthConnection: PostgresConnection?
    }

    /// Connects `connections` times to the database at `url`
    /// (`postgres://user:password@host:port/database?sslmode=…`, see `PostgresURL`).
    public init(url: String, connections: Int = 8, logger: Logger = Logger(label: "berth.postgres")) async throws {
        let configuration = try Self.configuration(url)
        var opened: [PostgresConnection] = []
        do {
            for index in 0..<connections {
                opened.append(try await PostgresConnection.connect(configuration: configuration, id: index, logger: logger))
            }
        } catch {
            for connection in opened { try? await connection.close() }
            throw DatabaseUnavailable("cannot connect to \(PostgresURL.redact(url))", detail: Self.describe(error))
        }
        state = Mutex(PoolState(idle: opened, nextID: connections))
        threads = NIOThreadPool(numberOfThreads: connections)
        threads.start()
        self.configuration = configuration
        self.logger = logger
    }

    static func configuration(_ url: String) throws -> PostgresConnection.Configuration {
        try PostgresURL(url).connectionConfiguration()
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await withConnection { connection in try body(PostgresSession(connection: connection, logger: self.logger)) }
    }

    public func transaction<T: Sendable>(
        durable: Bool, isolation: TransactionIsolation, _ body: @escaping @Sendable (any SQLSession) throws -> T
    ) async throws -> T {
        let begin = isolation == .serializable ? "BEGIN ISOLATION LEVEL SERIALIZABLE" : "BEGIN ISOLATION LEVEL READ COMMITTED"
        // Most such writes are one statement (an upload session, a batch of
        // events): alone, it runs as its own transaction, in one round trip
        // instead of four, and commits durably, which is more than was asked.
        let mayRunAlone = !durable && isolation == .readCommitted
        return try await withConnection { connection in
            let session = PostgresSession(connection: connection, logger: self.logger)
            for attempt in 1...Self.retries {
                if mayRunAlone {
                    session.beginWithSecondStatement([begin, "SET LOCAL synchronous_commit = off"])
                } else {
                    try session.enqueue(begin, [])
                    if !durable { try session.enqueue("SET LOCAL synchronous_commit = off", []) }
                }
                let result: T
                do {
                    result = try body(session)
                } catch {
                    self.rollBack(session)
                    guard Self.isSerializationFailure(error), attempt < Self.retries else { throw error }
                    Thread.sleep(forTimeInterval: Double.random(in: 0.001...0.01) * Double(attempt))
                    continue
                }
                do {
                    try Self.commit(session)
                    return result
                } catch let error as DatabaseUnavailable {
                    throw error
                } catch {
                    self.rollBack(session)
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
            let result: T
            do {
                try session.execute("SELECT pg_advisory_xact_lock(7271003)", [])
                result = try body(session)
            } catch {
                self.rollBack(session)
                throw error
            }
            do {
                try Self.commit(session)
            } catch let error as DatabaseUnavailable {
                throw error
            } catch {
                self.rollBack(session)
                throw error
            }
            return result
        }
    }

    /// COMMIT; a connection lost meanwhile leaves the outcome unknown, so
    /// the operation must not run again (`DatabaseUnavailable` is never retried).
    private static func commit(_ session: PostgresSession) throws {
        do {
            if try session.finishAlone() { return }
            // In a transaction that failed, COMMIT answers ROLLBACK without an error.
            let tag = try session.commandTag("COMMIT")
            guard tag == "COMMIT" else { throw DatabaseRefusedCommit(tag: tag) }
        } catch let error where isConnectionLoss(error, on: session.connection) {
            throw DatabaseUnavailable(
                "the connection was lost during COMMIT (the transaction may or may not have been committed)", detail: describe(error))
        }
    }

    /// ROLLBACK, closing the connection if even that fails: it must not go back to the pool inside a transaction.
    private func rollBack(_ session: PostgresSession) {
        session.forgetQueued()
        do {
            try session.execute("ROLLBACK", [])
        } catch {
            if !session.connection.isClosed { try? session.connection.close().wait() }
        }
    }

    static func isSerializationFailure(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError, let state = error.serverInfo?[.sqlState] else { return false }
        return state == "40001" || state == "40P01"
    }

    /// Whether `error` means the connection is gone (and the statement did not run to completion on it).
    static func isConnectionLoss(_ error: any Error, on connection: PostgresConnection) -> Bool {
        if connection.isClosed { return true }
        guard let error = error as? PSQLError else { return false }
        switch error.code {
        case .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .connectionError: return true
        default: break
        }
        // 08: connection exception; 57P01-57P05: the server is shutting down, crashed or terminated the backend.
        guard let state = error.serverInfo?[.sqlState] else { return false }
        return state.hasPrefix("08") || state.hasPrefix("57P")
    }

    /// Runs `work` on a pool thread holding a connection of its own: a live
    /// idle one, or a new one. Work whose connection was lost runs again
    /// (the statements of a lost connection's open transaction are rolled
    /// back by the server; `DatabaseUnavailable` thrown by `work` means
    /// running it again is not safe).
    private func withConnection<T: Sendable>(_ work: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await threads.runIfActive {
            var attempt = 1
            while true {
                let connection = try self.checkout()
                do {
                    let result = try work(connection)
                    self.checkin(connection)
                    return result
                } catch let error as DatabaseUnavailable {
                    self.checkin(connection)
                    self.logger.error("database operation failed", metadata: ["error": "\(error.reason)"])
                    throw error
                } catch {
                    guard Self.isConnectionLoss(error, on: connection) else {
                        self.checkin(connection)
                        throw error
                    }
                    if !connection.isClosed { try? connection.close().wait() }
                    self.checkin(connection)
                    self.connectionLost(error)
                    guard attempt < Self.reconnectAttempts else {
                        throw DatabaseUnavailable("the connection was lost", detail: Self.describe(error))
                    }
                    attempt += 1
                }
            }
        }
    }

    /// An idle connection that is still open, or a new one (on a pool thread).
    private func checkout() throws -> PostgresConnection {
        let (idle, holdOff) = state.withLock { state -> (PostgresConnection?, DatabaseUnavailable?) in
            while let connection = state.idle.popLast() {
                if !connection.isClosed { return (connection, nil) }
                // Closed by the server: dropped (a closed connection may be released).
                if !state.degraded {
                    state.degraded = true
                    logger.warning("a database connection was closed by the server; opening new ones")
                }
            }
            if let failure = state.lastFailure, failure.at.duration(to: .now) < Self.reconnectHoldOff { return (nil, failure.error) }
            return (nil, nil)
        }
        if let idle { return idle }
        if let holdOff { throw holdOff }
        return try connect()
    }

    /// Opens a connection (on a pool thread, bounded by the connection timeout).
    private func connect() throws -> PostgresConnection {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        do {
            let connection = try PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration, id: id, logger: logger
            ).wait()
            let recovered = state.withLock { state in
                defer {
                    state.degraded = false
                    state.lastFailure = nil
                }
                return state.degraded
            }
            if recovered { logger.notice("connected to the database again") }
            return connection
        } catch {
            let failure = DatabaseUnavailable("cannot connect", detail: Self.describe(error))
            state.withLock { state in
                state.degraded = true
                state.lastFailure = (.now, failure)
            }
            logger.error("cannot connect to the database", metadata: ["error": "\(failure.reason)"])
            throw failure
        }
    }

    /// Back to the idle list if still open and the backend is not closed.
    private func checkin(_ connection: PostgresConnection) {
        guard !connection.isClosed else { return }
        let kept = state.withLock { state in
            guard !state.closed else { return false }
            state.idle.append(connection)
            return true
        }
        if !kept { connection.close().whenComplete { _ in _ = connection } }
    }

    private func connectionLost(_ error: any Error) {
        let first = state.withLock { state in
            defer { state.degraded = true }
            return !state.degraded
        }
        if first {
            logger.warning("lost a database connection; opening new ones", metadata: ["error": "\(Self.describe(error))"])
        }
    }

    /// Runs `SELECT 1` on a connection of its own (opened when needed),
    /// waiting at most `timeout` for the connection and the answer; throws
    /// `DatabaseUnavailable` otherwise. Never waits behind store operations.
    public func ping(timeout: Duration = .seconds(2)) async throws {
        let logger = self.logger
        let reused = state.withLock { state -> PostgresConnection? in
            if let connection = state.healthConnection, !connection.isClosed { return connection }
            state.healthConnection = nil
            return nil
        }
        let connection: PostgresConnection
        if let reused {
            connection = reused
        } else {
            var quick = self.configuration
            quick.options.connectTimeout = .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000
                + timeout.components.attoseconds / 1_000_000_000)
            let (configuration, id) = (quick, state.withLock { state in
                state.nextID += 1
                return state.nextID
            })
            do {
                connection = try await Self.withDeadline(timeout) {
                    try await PostgresConnection.connect(configuration: configuration, id: id, logger: logger)
                } onLate: { late in
                    late.close().whenComplete { _ in _ = late }
                }
            } catch let error as DatabaseUnavailable {
                throw error
            } catch {
                throw DatabaseUnavailable("cannot connect", detail: Self.describe(error))
            }
            let (previous, keep) = state.withLock { state -> (PostgresConnection?, Bool) in
                guard !state.closed else { return (nil, false) }
                defer { state.healthConnection = connection }
                return (state.healthConnection, true)
            }
            if let previous { previous.close().whenComplete { _ in _ = previous } }
            if !keep {
                connection.close().whenComplete { _ in _ = connection }
                throw DatabaseUnavailable("the backend is closed")
            }
        }
        do {
            _ = try await Self.withDeadline(timeout) {
                try await connection.query(PostgresQuery(unsafeSQL: "SELECT 1"), logger: logger).collect().count
            } onLate: { _ in }
        } catch {
            // Whatever went wrong, the next check starts on a new connection.
            state.withLock { state in
                if state.healthConnection === connection { state.healthConnection = nil }
            }
            connection.close().whenComplete { _ in _ = connection }
            if let error = error as? DatabaseUnavailable { throw error }
            throw DatabaseUnavailable("the query failed", detail: Self.describe(error))
        }
    }

    /// The result of `operation` if it comes within `timeout`, else
    /// `DatabaseUnavailable` (the operation is cancelled); a result coming
    /// later anyway goes to `onLate`.
    static func withDeadline<T: Sendable>(
        _ timeout: Duration, _ operation: @escaping @Sendable () async throws -> T, onLate: @escaping @Sendable (T) -> Void
    ) async throws -> T {
        let pending = Pending<T>()
        return try await withCheckedThrowingContinuation { continuation in
            pending.set(continuation)
            let task = Task {
                do {
                    let value = try await operation()
                    if let continuation = pending.take() { continuation.resume(returning: value) } else { onLate(value) }
                } catch {
                    pending.take()?.resume(throwing: error)
                }
            }
            Task {
                try? await Task.sleep(for: timeout)
                if let continuation = pending.take() {
                    task.cancel()
                    continuation.resume(throwing: DatabaseUnavailable("no answer within \(timeout)"))
                }
            }
        }
    }

    /// Set once, from any thread.
    private final class Flag: Sendable {
        private let value = Atomic<Bool>(false)
        func set() { value.store(true, ordering: .releasing) }
        var isSet: Bool { value.load(ordering: .acquiring) }
    }

    /// A continuation resumed once, by whichever comes first.
    private final class Pending<T: Sendable>: Sendable {
        private let continuation = Mutex<CheckedContinuation<T, any Error>?>(nil)
        func set(_ value: CheckedContinuation<T, any Error>) { continuation.withLock { $0 = value } }
        func take() -> CheckedContinuation<T, any Error>? { continuation.withLock { $0.take() } }
    }

    /// What went wrong, without the generic text `PSQLError` gives (and
    /// without anything of the configuration: never the password).
    static func describe(_ error: any Error) -> String {
        guard let error = error as? PSQLError else {
            if let error = error as? DatabaseUnavailable { return error.reason }
            return "\(error)"
        }
        var parts = [error.code.description]
        if let message = error.serverInfo?[.message] { parts.append(message) }
        if let state = error.serverInfo?[.sqlState] { parts.append("SQLSTATE \(state)") }
        if let underlying = error.underlying { parts.append("\(underlying)") }
        return parts.joined(separator: ": ")
    }

    public func close() async throws {
        let connections = state.withLock { state in
            state.closed = true
            defer {
                state.idle.removeAll()
                state.healthConnection = nil
            }
            return state.idle + (state.healthConnection.map { [$0] } ?? [])
        }
        for connection in connections { try? await connection.close() }
        try await threads.shutdownGracefully()
    }

    /// A backend dropped without `close()` still closes its connections;
    /// each stays alive until its close completes.
    deinit {
        let connections = state.withLock { $0.idle + ($0.healthConnection.map { [$0] } ?? []) }
        for connection in connections {
            connection.close().whenComplete { _ in _ = connection }
        }
        threads.shutdownGracefully { _ in }
    }

    /// What `follow` reports.
    public enum Notice: Sendable {
        /// The connection listens (after a start or a reconnection): notifications from now on will arrive.
        case listening
        case notified(payload: String)
        /// The connection went; it is opened again a second later.
        case lost(reason: String)
    }

    /// Follows the notifications on `channel` from a connection of its own
    /// (not the pool's), until the calling task is cancelled.
    public func follow(channel: String, _ report: @escaping @Sendable (Notice) -> Void) async {
        while !Task.isCancelled {
            do {
                var named = configuration
                // So operators (and the tests) can tell it in pg_stat_activity.
                named.options.additionalStartupParameters.append(("application_name", "berth listener"))
                let connection = try await PostgresConnection.connect(configuration: named, id: -1, logger: logger)
                do {
                    try await connection.listen(on: channel) { notifications in
                        report(.listening)
                        try await withThrowingTaskGroup(of: Void.self) { group in
                            group.addTask {
                                for try await notification in notifications { report(.notified(payload: notification.payload)) }
                            }
                            // An idle connection whose peer vanished (a NAT's timeout, a
                            // failover) would never end: a query every few seconds must answer.
                            group.addTask { try await Self.heartbeat(connection, logger: self.logger) }
                            try await group.next()
                            group.cancelAll()
                        }
                    }
                    if !Task.isCancelled { report(.lost(reason: "the notifications ended")) }
                } catch {
                    if !Task.isCancelled { report(.lost(reason: Self.describe(error))) }
                }
                try? await connection.close()
            } catch {
                report(.lost(reason: Self.describe(error)))
            }
            try? await Task.sleep(for: Self.reconnectHoldOff)
        }
    }

    /// How often the listening connection is asked, and how long it has to answer.
    static let heartbeatInterval: Duration = .seconds(5)
    static let heartbeatTimeout: Duration = .seconds(10)

    /// Returns (throwing) once `connection` fails to answer a query in
    /// time. The answer is polled for, not awaited: a query on a connection
    /// whose peer is gone would never end, and would not end on cancellation.
    private static func heartbeat(_ connection: PostgresConnection, logger: Logger) async throws {
        while true {
            try await Task.sleep(for: heartbeatInterval)
            let answered = Flag()
            connection.query(PostgresQuery(unsafeSQL: "SELECT 1"), logger: logger).whenSuccess { _ in answered.set() }
            let deadline = ContinuousClock.now + heartbeatTimeout
            while !answered.isSet {
                guard ContinuousClock.now < deadline else {
                    // Closing ends the notifications too, whose wait knows nothing of the peer.
                    connection.close().whenComplete { _ in }
                    throw DatabaseUnavailable("the listening connection did not answer within \(heartbeatTimeout)")
                }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// Creates database `name` on the server of `url` unless it exists (for tests and first starts).
    public static func createDatabase(_ name: String, at url: String) async throws {
        var configuration = try configuration(url)
        configuration.database = "postgres"
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: Logger(label: "berth.postgres"))
        } catch {
            throw DatabaseUnavailable("cannot connect to \(PostgresURL.redact(url))", detail: describe(error))
        }
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

/// A COMMIT the database answered with ROLLBACK: the transaction had failed.
struct DatabaseRefusedCommit: Error, CustomStringConvertible {
    let tag: String
    var description: String { "the database rolled the transaction back (COMMIT answered \(tag))" }
}

/// Statements on one connection, waited for on the calling (pool) thread.
/// Statements whose answer is not needed (`enqueue`) are queued on the
/// connection without waiting: the connection sends each as soon as the
/// one before it is answered, and the pool thread wakes only for the
/// statements it reads, which a profile showed cost more than the
/// statements themselves (a thread hand-off and two context switches each).
final class PostgresSession: SQLSession {
    let connection: PostgresConnection
    let logger: Logger
    /// Queued statements not yet checked, oldest first.
    private var queued: [EventLoopFuture<PostgresQueryResult>] = []
    /// Statements that open the transaction, sent only if a second statement follows.
    private var deferredBegin: [String] = []
    /// The first statement while the transaction is not open yet.
    private var held: SQLStatement?

    init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    func execute(_ sql: String, _ arguments: [SQLValue]) throws {
        _ = try answer(sql, arguments)
    }

    /// Runs a statement and returns its command tag (`COMMIT`, `INSERT 0 1`, …).
    func commandTag(_ sql: String) throws -> String {
        try answer(sql, []).metadata.command
    }

    func enqueue(_ sql: String, _ arguments: [SQLValue]) throws {
        if !deferredBegin.isEmpty {
            guard held != nil else {
                held = SQLStatement(sql, arguments)
                return
            }
            openTransaction()
        }
        queued.append(connection.query(Self.query(sql, arguments), logger: logger))
    }

    /// The transaction is opened by `begin` only if it has more than one
    /// statement (or one whose answer is read); see `finishAlone`.
    func beginWithSecondStatement(_ begin: [String]) {
        deferredBegin = begin
        held = nil
    }

    private func openTransaction() {
        for sql in deferredBegin { queued.append(connection.query(Self.query(sql, []), logger: logger)) }
        deferredBegin.removeAll()
        if let held { queued.append(connection.query(Self.query(held.sql, held.arguments), logger: logger)) }
        held = nil
    }

    /// At commit: true if the transaction was never opened, its one
    /// statement (if any) now run and committed on its own.
    func finishAlone() throws -> Bool {
        guard !deferredBegin.isEmpty else { return false }
        deferredBegin.removeAll()
        if let statement = held {
            held = nil
            _ = try answer(statement.sql, statement.arguments)
        }
        return true
    }

    /// Arguments one statement may bind (the protocol allows 65,535).
    static let maxArguments = 30_000

    /// Each group of statements becomes `WITH s0 AS (…), s1 AS (…) last`:
    /// one round trip instead of one each.
    func enqueue(together statements: [SQLStatement]) throws {
        var group: [SQLStatement] = []
        var count = 0
        for statement in statements {
            if !group.isEmpty, count + statement.arguments.count > Self.maxArguments {
                try enqueue(joined: group)
                group.removeAll()
                count = 0
            }
            group.append(statement)
            count += statement.arguments.count
        }
        if !group.isEmpty { try enqueue(joined: group) }
    }

    private func enqueue(joined group: [SQLStatement]) throws {
        let clauses = group.dropLast().enumerated().map { "s\($0.offset) AS (\($0.element.sql))" }
        let sql = (clauses.isEmpty ? "" : "WITH " + clauses.joined(separator: ", ") + " ") + group.last!.sql
        try enqueue(sql, group.flatMap(\.arguments))
    }

    /// One statement for all of them, taken left to right, queued.
    func lock(_ locks: [SQLLock]) throws {
        guard !locks.isEmpty else { return }
        let calls = locks.map { "pg_advisory_xact_lock\($0.shared ? "_shared" : "")(hashtextextended(?, 0))" }
        try enqueue("SELECT " + calls.joined(separator: ", "), locks.map { .text($0.name) })
    }

    func rows(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
        try answer(sql, arguments).rows.map { row in
            var columns: [String: SQLValue] = [:]
            for cell in row { columns[cell.columnName] = try Self.value(cell) }
            return SQLRow(columns: columns)
        }
    }

    /// Waits for the queued statements, ignoring how they ended (before a rollback).
    func forgetQueued() {
        for statement in queued { _ = try? statement.wait() }
        queued.removeAll()
        deferredBegin.removeAll()
        held = nil
    }

    /// Runs a statement after the queued ones and waits for it. A queued
    /// statement's failure comes first: it is the cause, and the statements
    /// after it only failed because the transaction had.
    private func answer(_ sql: String, _ arguments: [SQLValue]) throws -> PostgresQueryResult {
        if !deferredBegin.isEmpty { openTransaction() }
        let result = Result { try connection.query(Self.query(sql, arguments), logger: logger).wait() }
        let earlier = queued
        queued.removeAll()
        for statement in earlier { _ = try statement.wait() }
        return try result.get()
    }

    /// `?` placeholders become `$1`, `$2`, … (no statement has a `?` in a literal).
    static func query(_ sql: String, _ arguments: [SQLValue]) -> PostgresQuery {
        var text: [UInt8] = []
        text.reserveCapacity(sql.utf8.count + 16)
        var index = 0
        // Byte by byte: '?' is ASCII, and never part of a multi-byte character.
        for byte in sql.utf8 {
            if byte == UInt8(ascii: "?") {
                index += 1
                text.append(UInt8(ascii: "$"))
                text.append(contentsOf: String(index).utf8)
            } else {
                text.append(byte)
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
        return PostgresQuery(unsafeSQL: String(decoding: text, as: UTF8.self), binds: binds)
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
