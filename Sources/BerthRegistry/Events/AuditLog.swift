import BerthMetadata
import Foundation

/// The audit log: every event of the outbox becomes an entry, written once
/// even when the relay hands an event over twice (entries are unique by
/// event id).
public struct AuditLog: EventConsumer {
    let store: any AuditStore
    let metrics: JobMetrics
    public let name = "audit"

    public init(store: any AuditStore, metrics: JobMetrics) {
        self.store = store
        self.metrics = metrics
    }

    public func consume(_ entries: [OutboxEntry]) async throws {
        try await store.appendAudit(entries.map(\.event))
        metrics.add("berth_audit_events_total", Int64(entries.count))
    }
}
