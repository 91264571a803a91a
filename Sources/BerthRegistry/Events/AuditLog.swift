import BerthMetadata
import Foundation
import Logging
import Synchronization

/// The audit log's writer: events are buffered in memory and written in
/// batches by `flush` (a background job, every second), so a pull never
/// waits for a database write. A full buffer drops the oldest entries and
/// says so in the log rather than growing without bound.
public final class AuditLog: EventSink {
    let store: any AuditStore
    let metrics: JobMetrics
    let logger: Logger
    private let buffer = Mutex<(events: [RegistryEvent], dropped: Int)>(([], 0))
    static let capacity = 100_000

    public init(store: any AuditStore, metrics: JobMetrics, logger: Logger) {
        self.store = store
        self.metrics = metrics
        self.logger = logger
    }

    public func record(_ event: RegistryEvent) {
        buffer.withLock {
            if $0.events.count >= Self.capacity {
                $0.events.removeFirst(Self.capacity / 10)
                $0.dropped += Self.capacity / 10
            }
            $0.events.append(event)
        }
    }

    /// Writes what was buffered; on failure keeps it for the next try.
    public func flush() async throws {
        let (events, dropped) = buffer.withLock { state in
            defer { state = ([], 0) }
            return state
        }
        if dropped > 0 { logger.error("audit buffer overflowed; oldest entries dropped", metadata: ["dropped": "\(dropped)"]) }
        guard !events.isEmpty else { return }
        do {
            try await store.appendAudit(events)
            metrics.add("berth_audit_events_total", Int64(events.count))
        } catch {
            buffer.withLock { $0.events.insert(contentsOf: events, at: 0) }
            throw error
        }
    }
}
