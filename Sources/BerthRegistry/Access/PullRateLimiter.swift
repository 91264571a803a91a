import BerthMetadata
import BerthPolicies
import Foundation
import OCI
import Synchronization

/// Manifest pulls per window, per anonymous address, user, robot and
/// project (as Docker Hub counts them: `GET`s of manifests; `HEAD`s are
/// free). Windows are fixed slots of the limit's length. Each node counts
/// in memory and, about once a second (`sync`), adds its counts to the
/// database and learns the others' totals: no write per pull, and on a
/// shared database the limits hold across nodes, give or take what the
/// nodes counted in the last second.
public final class PullRateLimiter: Sendable {
    let limits: PullRateLimits
    let store: any RateCountStore

    private struct Counter {
        /// Known from the database at the last sync (this node's flushed pulls included).
        var total: Int64 = 0
        /// Counted here since.
        var unsent: Int64 = 0
        /// When it was last asked for: the totals of slots asked for in the
        /// last minute are refreshed at each sync, the others not (their
        /// next pull may be admitted on a total up to a minute old, once).
        var touchedAt: Int64 = 0
    }

    private let counters = Mutex<[RateSlot: Counter]>([:])
    /// Slots tracked at most (every anonymous address is a key). Past it,
    /// those with nothing left to send are forgotten (their totals are in
    /// the database); past twice that (the database unreachable for long),
    /// all are: counts are lost rather than memory.
    static let maxTracked = 100_000
    static let refreshWindow: Int64 = 60

    public init(limits: PullRateLimits, store: any RateCountStore) {
        self.limits = limits
        self.store = store
    }

    /// Counts one manifest pull by `actor` from `project`, or refuses it
    /// with 429 when one of its limits is spent. Answers the headers of the
    /// tightest limit (`RateLimit-Limit`, `RateLimit-Remaining`).
    public func admit(_ actor: Actor, project: String, now: Date = Date()) throws(PullRateLimited) -> RateLimitState? {
        var applicable: [(String, RateLimit)] = []
        switch actor.kind {
        case "user": if let limit = limits.users, let name = actor.name { applicable.append(("user:" + name, limit)) }
        case "robot": if let limit = limits.robots, let name = actor.name { applicable.append(("robot:" + name, limit)) }
        default: if let limit = limits.anonymous { applicable.append(("anonymous:" + Self.network(of: actor.source), limit)) }
        }
        if let limit = limits.projects { applicable.append(("project:" + project, limit)) }
        guard !applicable.isEmpty else { return nil }
        let second = max(0, Int64(now.timeIntervalSince1970.rounded(.down)))
        let slots = applicable.map { key, limit in
            let start = second - second % limit.window
            // The window is part of the key: a limit changed to another window starts a count of its own.
            return (RateSlot(key: "\(key)@\(limit.window)", start: start, end: start + limit.window), limit)
        }
        return try counters.withLock { (counters) throws(PullRateLimited) -> RateLimitState in
            var tightest: RateLimitState?
            for (slot, limit) in slots {
                let counter = counters[slot] ?? Counter()
                let used = counter.total + counter.unsent
                if used >= limit.pulls {
                    throw PullRateLimited(limit: limit, retryAfter: max(1, slot.end - second), key: slot.key)
                }
                let state = RateLimitState(limit: limit, remaining: limit.pulls - used - 1)
                if tightest.map({ state.remaining < $0.remaining }) ?? true { tightest = state }
            }
            if counters.count + slots.count > Self.maxTracked {
                counters = counters.filter { $0.value.unsent > 0 }
                if counters.count > 2 * Self.maxTracked { counters.removeAll(keepingCapacity: true) }
            }
            for (slot, _) in slots {
                counters[slot, default: Counter()].unsent += 1
                counters[slot]!.touchedAt = second
            }
            return tightest!
        }
    }

    /// Adds this node's counts to the database and learns every tracked
    /// slot's total; forgets slots that ended. A failure keeps the counts for the next turn.
    public func sync(now: Date = Date()) async throws {
        let second = Int64(now.timeIntervalSince1970)
        let (sent, tracked) = counters.withLock { counters in
            counters = counters.filter { $0.key.end > second }
            let sent = counters.filter { $0.value.unsent > 0 }.map { RateCount(slot: $0.key, pulls: $0.value.unsent) }
            return (sent, counters.filter { $0.value.touchedAt >= second - Self.refreshWindow }.map(\.key))
        }
        guard !tracked.isEmpty else { return }
        let totals = try await store.addPulls(sent, totalsOf: tracked)
        counters.withLock { counters in
            for count in sent { counters[count.slot]?.unsent -= count.pulls }
            for (slot, total) in totals where counters[slot] != nil { counters[slot]!.total = total }
        }
    }

    /// An anonymous caller's bucket: its IPv4 address, or its IPv6 /64 (one
    /// host is given a whole /64, and would otherwise have 2⁶⁴ buckets).
    static func network(of source: String?) -> String {
        guard let source, let address = IPAddress(source) else { return source ?? "unknown" }
        guard !address.isIPv4 else { return address.description }
        return address.bytes.prefix(8).map { String($0, radix: 16) }.joined(separator: ".") + "::/64"
    }

    /// Removes the database's slots that ended (any node may; it is idempotent).
    public func prune(now: Date = Date()) async throws {
        try await store.forgetRateCounts(endedBefore: Int64(now.timeIntervalSince1970))
    }
}

/// What a caller has left: for the response's headers.
public struct RateLimitState: Sendable {
    public let limit: RateLimit
    public let remaining: Int64
}

/// A pull refused by a rate limit: 429 `TOOMANYREQUESTS` with `Retry-After` (whole seconds).
public struct PullRateLimited: Error, Sendable {
    public let limit: RateLimit
    public let retryAfter: Int64
    public let key: String

    public var error: RegistryError {
        RegistryError(
            .tooManyRequests,
            "pull rate limit of \(limit.pulls) per \(limit.window) s reached (\(key.prefix { $0 != ":" })); retry after \(retryAfter) s",
            detail: ["limit": limit.header])
    }
}
