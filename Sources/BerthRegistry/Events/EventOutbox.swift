import BerthMetadata
import Foundation
import Logging
import Synchronization

/// Events that describe no change of their own (pulls, refusals, failed
/// sign-ins, API calls) on their way to the outbox: buffered, then written
/// in batches by `flush` (every 200 ms), so a pull never waits for a
/// database write. A change's events do not pass here: they are committed
/// with the change (`ContentService`). A full buffer drops the oldest
/// entries and says so in the log rather than growing without bound.
public final class EventOutbox: EventSink {
    let store: any EventOutboxStore
    let logger: Logger
    private let buffer = Mutex<(events: [RegistryEvent], dropped: Int)>(([], 0))
    static let capacity = 100_000

    public init(store: any EventOutboxStore, logger: Logger) {
        self.store = store
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
        if dropped > 0 { logger.error("event buffer overflowed; oldest entries dropped", metadata: ["dropped": "\(dropped)"]) }
        guard !events.isEmpty else { return }
        do {
            try await store.appendEvents(events)
        } catch {
            buffer.withLock { $0.events.insert(contentsOf: events, at: 0) }
            throw error
        }
    }
}
