import BerthMetadata
import Foundation
import Logging
import Synchronization

/// Hands the outbox's entries to each consumer from its own cursor. One
/// node of a cluster drives a consumer at a time (a job lease per
/// consumer), so each entry is acted on once per cluster; a node that dies
/// stops renewing and another takes over from the cursor. Entries are
/// handed over at least once: the cursor moves after `consume` returns.
///
/// Positions come from the database's sequence, so a transaction still
/// open can hold a position below one already visible (PostgreSQL with
/// several writers). The relay stops at such a gap and waits for it to
/// fill; a gap still open after `gapPatience` is a rolled-back transaction
/// (sequences are not transactional) and is passed.
public final class EventRelay: Sendable {
    let store: any EventOutboxStore
    let leases: any JobLeaseStore
    let consumers: [any EventConsumer]
    let metrics: JobMetrics
    let logger: Logger
    /// This node, as lease holder: the same across restarts (host and data
    /// folder), so that a node killed and started again takes its consumers
    /// back at once instead of waiting for its old leases to expire.
    let node: String
    static let batchSize = 500
    /// Batches per consumer per turn: a backlog does not hold up the others.
    static let batchesPerTurn = 20
    static let leaseDuration: TimeInterval = 30
    /// How long a node waits before asking again for a lease another holds.
    static let leaseRetry: TimeInterval = 5
    static let gapPatience: TimeInterval = 10
    /// Entries written by other processes (other nodes, the CLI) are looked
    /// for this often; this node's own writes are seen at once.
    static let pollInterval: TimeInterval = 1

    private struct Progress {
        /// Known while this node holds the lease.
        var cursor: Int64?
        var leaseUntil = Date.distantPast
        var notBefore = Date.distantPast
        var gap: (position: Int64, since: Date)?
    }

    private let progress: Mutex<[String: Progress]>
    private let lastLook = Mutex<(writes: Int, at: Date)>((-1, .distantPast))

    public init(
        store: any EventOutboxStore, leases: any JobLeaseStore, consumers: [any EventConsumer], node: String, metrics: JobMetrics,
        logger: Logger
    ) {
        precondition(Set(consumers.map(\.name)).count == consumers.count, "event consumers need distinct names")
        self.node = node
        self.store = store
        self.leases = leases
        self.consumers = consumers
        self.metrics = metrics
        self.logger = logger
        progress = Mutex(Dictionary(uniqueKeysWithValues: consumers.map { ($0.name, Progress()) }))
    }

    public var consumerNames: [String] { consumers.map(\.name) }

    /// One turn: brings every consumer up to the newest entry, as far as
    /// its lease and a batch limit allow. Touches no database when this
    /// process wrote nothing since the last look and the poll is not due.
    public func relay(now: Date = Date()) async throws {
        let writes = store.localEventWrites
        let due = lastLook.withLock { look in
            guard writes != look.writes || now.timeIntervalSince(look.at) >= Self.pollInterval else { return false }
            look = (writes, now)
            return true
        }
        guard due else { return }
        let newest = try await store.newestEventPosition()
        var failure: (any Error)?
        for consumer in consumers {
            do {
                try await drive(consumer, upTo: newest, now: now)
            } catch {
                // The others still run; the failed one retries next turn.
                logger.error("event consumer failed", metadata: ["consumer": "\(consumer.name)", "error": "\(error)"])
                failure = error
                lastLook.withLock { $0.writes = -1 }
            }
        }
        if let failure { throw failure }
    }

    /// Gives up the leases this node holds, so that another node takes the
    /// consumers over at once rather than when the leases expire.
    public func releaseLeases() async {
        let held = progress.withLock { state in
            state.filter { $0.value.leaseUntil > Date() }.map(\.key)
        }
        for name in held {
            try? await leases.releaseLease(job: "events:" + name, holder: node)
        }
        progress.withLock { state in
            for name in held { state[name]?.leaseUntil = .distantPast }
        }
    }

    private func drive(_ consumer: any EventConsumer, upTo newest: Int64, now: Date) async throws {
        let name = consumer.name
        var state = progress.withLock { $0[name]! }
        defer { progress.withLock { [state] in $0[name] = state } }
        if let cursor = state.cursor, cursor >= newest, state.leaseUntil > now { return }
        guard now >= state.notBefore else { return }
        if state.leaseUntil.timeIntervalSince(now) < Self.leaseDuration / 3 {
            switch try await leases.acquireLease(
                job: "events:" + name, holder: node, slot: now, expires: now.addingTimeInterval(Self.leaseDuration))
            {
            case .acquired:
                if state.leaseUntil <= now { state.cursor = nil }  // another node may have moved it meanwhile
                state.leaseUntil = now.addingTimeInterval(Self.leaseDuration)
            case .heldElsewhere, .done:
                state.cursor = nil
                state.notBefore = now.addingTimeInterval(Self.leaseRetry)
                return
            }
        }
        var cursor: Int64
        if let known = state.cursor { cursor = known } else { cursor = try await store.cursor(of: name) }
        state.cursor = cursor
        for _ in 0..<Self.batchesPerTurn {
            let entries = try await store.events(after: cursor, limit: Self.batchSize)
            let ready = readyPrefix(entries, after: cursor, gap: &state.gap, now: now, consumer: name)
            guard let last = ready.last else { return }
            try await consumer.consume(ready)
            try await store.setCursor(of: name, to: last.position)
            cursor = last.position
            state.cursor = cursor
            metrics.add("berth_events_consumed_total", labels: "consumer=\"\(name)\"", Int64(ready.count))
            if ready.count < entries.count || entries.count < Self.batchSize { return }
        }
    }

    /// The entries that follow `cursor` without a gap, or past a gap that
    /// outlasted `gapPatience`.
    private func readyPrefix(
        _ entries: [OutboxEntry], after cursor: Int64, gap: inout (position: Int64, since: Date)?, now: Date, consumer: String
    ) -> [OutboxEntry] {
        var expected = cursor + 1
        var ready: [OutboxEntry] = []
        for entry in entries {
            if entry.position != expected {
                if gap?.position != expected { gap = (expected, now) }
                guard let open = gap, now.timeIntervalSince(open.since) >= Self.gapPatience else { break }
                logger.warning(
                    "event outbox gap passed: a transaction that took these positions never committed",
                    metadata: ["consumer": "\(consumer)", "from": "\(expected)", "to": "\(entry.position - 1)"])
                gap = nil
            }
            ready.append(entry)
            expected = entry.position + 1
        }
        if ready.count == entries.count { gap = nil }
        return ready
    }
}
