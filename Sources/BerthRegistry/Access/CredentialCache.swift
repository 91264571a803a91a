import BerthAuth
import Foundation
import OCI
import Synchronization

/// Remembers verified credentials by their SHA-256 (never the secret itself)
/// for a short time, bounded in size.
final class CredentialCache: Sendable {
    private let entries = Mutex<[String: (identity: Identity, until: Date)]>([:])
    let lifetime: TimeInterval

    init(lifetime: TimeInterval) { self.lifetime = lifetime }

    private static func key(_ header: String) -> String { DigestHasher.digest(of: Array(header.utf8)).hex }

    func identity(for header: String, now: Date = Date()) -> Identity? {
        let key = Self.key(header)
        return entries.withLock { entries in
            guard let entry = entries[key], entry.until > now else { return nil }
            return entry.identity
        }
    }

    func remember(_ identity: Identity, for header: String, now: Date = Date()) {
        let key = Self.key(header)
        entries.withLock { entries in
            if entries.count >= 10_000 { entries.removeAll(keepingCapacity: true) }
            entries[key] = (identity, now.addingTimeInterval(lifetime))
        }
    }

    func clear() {
        entries.withLock { $0.removeAll() }
    }
}
