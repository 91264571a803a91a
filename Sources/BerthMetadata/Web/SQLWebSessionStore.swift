import Foundation

/// A signed-in browser: the web UI's session, kept in the metadata
/// database so that every node behind a load balancer knows it.
public struct WebSession: Sendable, Equatable {
    /// SHA-256 of the cookie's secret: a copy of the database signs no one in.
    public let idHash: String
    public let user: String
    public let createdAt: Date
    /// When a request last used it, to a minute (see `touchInterval`).
    public let seenAt: Date

    public init(idHash: String, user: String, createdAt: Date, seenAt: Date) {
        (self.idHash, self.user, self.createdAt, self.seenAt) = (idHash, user, createdAt, seenAt)
    }
}

/// The web UI's sessions. Reads are by primary key; a request writes only
/// when the session was last seen more than a minute ago.
public struct SQLWebSessionStore: Sendable {
    let backend: any SQLBackend

    public init(backend: any SQLBackend) { self.backend = backend }

    public func create(_ session: WebSession) async throws {
        try await backend.transaction(durable: true) { db in
            try db.execute(
                "INSERT INTO web_sessions (id_hash, user_name, created_at, seen_at) VALUES (?, ?, ?, ?)",
                .text(session.idHash), .text(session.user), .time(session.createdAt), .time(session.seenAt))
        }
    }

    public func session(idHash: String) async throws -> WebSession? {
        try await backend.read { db in
            try db.row("SELECT * FROM web_sessions WHERE id_hash = ?", .text(idHash)).map { row in
                WebSession(
                    idHash: try row.text("id_hash"), user: try row.text("user_name"), createdAt: try row.time("created_at"), seenAt: try row.time("seen_at"))
            }
        }
    }

    /// Not durable: a lost touch only ends the session a minute early.
    public func touch(idHash: String, at time: Date) async throws {
        try await backend.transaction(durable: false) { db in
            try db.execute("UPDATE web_sessions SET seen_at = ? WHERE id_hash = ?", .time(time), .text(idHash))
        }
    }

    public func delete(idHash: String) async throws {
        try await backend.transaction(durable: true) { db in
            try db.execute("DELETE FROM web_sessions WHERE id_hash = ?", .text(idHash))
        }
    }

    /// Ends every session of a user (disabled, deleted, or a new password).
    public func deleteAll(of user: String) async throws {
        try await backend.transaction(durable: true) { db in
            try db.execute("DELETE FROM web_sessions WHERE user_name = ?", .text(user))
        }
    }

    /// Removes sessions idle since `idleBefore` or begun before `createdBefore`.
    public func deleteExpired(idleBefore: Date, createdBefore: Date) async throws {
        try await backend.transaction(durable: false) { db in
            try db.execute("DELETE FROM web_sessions WHERE seen_at < ? OR created_at < ?", .time(idleBefore), .time(createdBefore))
        }
    }
}
