import BerthAuth
import BerthMetadata
import BerthRegistry
import Foundation
import HTTPTypes
import Hummingbird
import OCI

/// The web UI's sign-ins: a random secret in an `HttpOnly` cookie, its hash
/// in the database (any node can read it), ended after `idle` without a
/// request or `lifetime` after sign-in, whichever comes first.
public struct WebSessions: Sendable {
    public struct Limits: Sendable {
        public let idle: TimeInterval
        public let lifetime: TimeInterval

        public init(idle: TimeInterval = 3600, lifetime: TimeInterval = 12 * 3600) {
            (self.idle, self.lifetime) = (idle, lifetime)
        }
    }

    static let cookieName = "berth_session"
    /// A request writes `seen_at` only when it is older than this.
    static let touchInterval: TimeInterval = 60

    let store: SQLWebSessionStore
    let accounts: any AccountStore
    let limits: Limits

    public init(store: SQLWebSessionStore, accounts: any AccountStore, limits: Limits) {
        (self.store, self.accounts, self.limits) = (store, accounts, limits)
    }

    /// Begins a session for `user`; returns the cookie's secret.
    func begin(for user: String, at now: Date = Date()) async throws -> String {
        let secret = Secrets.random(length: 43, readable: false)
        try await store.create(WebSession(idHash: Self.hash(secret), user: user, createdAt: now, seenAt: now))
        return secret
    }

    func end(_ secret: String) async throws {
        try await store.delete(idHash: Self.hash(secret))
    }

    /// Ends every session of a user (a password reset).
    func endAll(of user: String) async throws {
        try await store.deleteAll(of: user)
    }

    /// The live session the secret opens, or nil (unknown, expired, or its
    /// user disabled or gone). Keeps it alive.
    func user(for secret: String, at now: Date = Date()) async throws -> User? {
        let idHash = Self.hash(secret)
        guard let session = try await store.session(idHash: idHash) else { return nil }
        guard now.timeIntervalSince(session.seenAt) < limits.idle, now.timeIntervalSince(session.createdAt) < limits.lifetime else {
            try await store.delete(idHash: idHash)
            return nil
        }
        guard let user = try await accounts.user(named: session.user), !user.isDisabled else { return nil }
        if now.timeIntervalSince(session.seenAt) > Self.touchInterval { try await store.touch(idHash: idHash, at: now) }
        return user
    }

    /// Removes expired sessions (a background job).
    public func sweep(now: Date = Date()) async throws {
        try await store.deleteExpired(
            idleBefore: now.addingTimeInterval(-limits.idle), createdBefore: now.addingTimeInterval(-limits.lifetime))
    }

    /// The token each form of the session carries: derived from the
    /// session's secret, which only the cookie holds (`HttpOnly`), so a page
    /// of another site can neither read nor guess it, and nothing is stored.
    static func csrfToken(for secret: String) -> String {
        DigestHasher.digest(of: Array("berth-csrf\0\(secret)".utf8)).hex
    }

    static func hash(_ secret: String) -> String { DigestHasher.digest(of: Array(secret.utf8)).hex }

    /// The session secret a request's `Cookie` header carries.
    static func secret(in request: Request) -> String? { cookie(cookieName, in: request) }

    /// A cookie's value; nil when absent, empty or longer than any of ours (64).
    static func cookie(_ name: String, in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let trimmed = pair.drop(while: { $0 == " " })
                guard trimmed.hasPrefix(name + "=") else { continue }
                let value = trimmed.dropFirst(name.count + 1)
                return value.isEmpty || value.count > 64 ? nil : String(value)
            }
        }
        return nil
    }

    /// `Set-Cookie` for a new session, or (nil) one that removes it.
    func cookie(_ secret: String?, secure: Bool) -> String {
        var parts = ["\(Self.cookieName)=\(secret ?? "")", "Path=/", "HttpOnly", "SameSite=Lax"]
        parts.append(secret == nil ? "Max-Age=0" : "Max-Age=\(Int(limits.lifetime))")
        if secure { parts.append("Secure") }
        return parts.joined(separator: "; ")
    }
}

/// Signs in a UI request that carries a live session cookie.
public struct SessionResolver: CredentialResolver {
    let sessions: WebSessions
    public var scheme: CredentialScheme { .session }

    public init(sessions: WebSessions) { self.sessions = sessions }

    public func resolve(_ request: Request, on surface: Surface, source: String) async throws -> Authentication? {
        guard let secret = WebSessions.secret(in: request) else { return nil }
        guard let user = try await sessions.user(for: secret) else { return nil }
        return .authenticated(Caller(identity: .user(name: user.name, isAdmin: user.isAdmin), grants: nil))
    }
}
