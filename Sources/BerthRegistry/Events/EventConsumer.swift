import BerthMetadata

/// Something that acts on registry events (the audit log, webhooks; later
/// the scanner, replication): one type, registered in one line
/// (`Server.eventConsumers`). `EventRelay` hands it the outbox's entries
/// in order, at least once, on one node of the cluster at a time; it must
/// take an entry it saw before without doing the work twice (entries keep
/// their `event.id`).
public protocol EventConsumer: Sendable {
    /// Names the consumer's cursor and lease: never change it, or the
    /// consumer starts again from the oldest entry kept.
    var name: String { get }
    /// Acts on `entries` (oldest first); throwing leaves the cursor where
    /// it was, and the same entries come again.
    func consume(_ entries: [OutboxEntry]) async throws
}
