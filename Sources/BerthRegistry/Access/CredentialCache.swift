import BerthAuth
import Foundation
import OCI
import Synchronization

/// Remembers verified credentials by their SHA-256 (never the secret itself)
/// for a short time, bounded in size.
final class CredentialCache: Sendable {
    private let entries = Mutex<[String: (signedIn: SignedIn, until: Date)]>([:])
    let lifetime: TimeInterval

    init(lifetime: TimeInterval) { self.lifetime = lifetime }

    private static func key(_ header: String) -> String { DigestHasher.digest(of: Array(header.utf8)).hex }

    func signedIn(for header: String, now: Date = Date()) -> SignedIn? {
        let key = Self.key(header)
        return entries.withLock { entries in
            guard let entry = entries[key], entry.until > now else { return nil }
            return entry.signedIn
        }
    }

    func remember(_ signedIn: SignedIn, for header: String, now: Date = Date()) {
        let key = Self.key(header)
        entries.withLock { entries in
            if entries.count >= 10_000 { entries.removeAll(keepingCapacity: true) }
            entries[key] = (signedIn, now.addingTimeInterval(lifetime))
        }
    }

    func clear() {
        entries.withLock { $0.removeAll() }
    }
}

/// What a sign-in with a password or secret verified: who, and, for a
/// personal access token, what it limits them to.
public struct SignedIn: Sendable, Equatable {
    public let identity: Identity
    public let limit: TokenLimit?

    public init(identity: Identity, limit: TokenLimit? = nil) {
        self.identity = identity
        self.limit = limit
    }
}

/// Whether personal access tokens are live, remembered for a while.
final class LiveTokens: Sendable {
    private let entries = Mutex<[String: (live: Bool, until: Date)]>([:])

    func known(_ token: String, now: Date = Date()) -> Bool? {
        entries.withLock { entries in entries[token].flatMap { $0.until > now ? $0.live : nil } }
    }

    func remember(_ token: String, live: Bool, for seconds: TimeInterval, now: Date = Date()) {
        entries.withLock { entries in
            if entries.count >= 10_000 { entries = entries.filter { $0.value.until > now } }
            if entries.count >= 10_000 { entries.removeAll(keepingCapacity: true) }
            entries[token] = (live, now.addingTimeInterval(seconds))
        }
    }
}
