import Foundation

/// An event as the outbox holds it: its position, in commit order on one
/// database (gaps aside: see `EventRelay`).
public struct OutboxEntry: Sendable, Equatable {
    public let position: Int64
    public let event: RegistryEvent

    public init(position: Int64, event: RegistryEvent) {
        self.position = position
        self.event = event
    }
}

/// The durable event outbox: every registry event is a row, written in the
/// transaction of the change it describes (`putManifest`, `deleteManifest`,
/// … take their events) or, for events that change nothing (pulls,
/// refusals, sign-ins), in batches. Consumers (audit log, webhooks, later
/// the scanner and replication) read it in order, each from its own cursor.
public protocol EventOutboxStore: Sendable {
    /// Appends events that describe no change of their own, in one commit.
    func appendEvents(_ events: [RegistryEvent]) async throws
    /// Up to `limit` entries after `position`, in position order.
    func events(after position: Int64, limit: Int) async throws -> [OutboxEntry]
    /// The newest position written, 0 when none.
    func newestEventPosition() async throws -> Int64
    /// Where `consumer` stands; 0 before its first read.
    func cursor(of consumer: String) async throws -> Int64
    /// Moves `consumer`'s cursor to `position`.
    func setCursor(of consumer: String, to position: Int64) async throws
    /// Removes entries every one of `consumers` has read that are older
    /// than `date`; returns how many.
    func pruneEvents(readBy consumers: [String], olderThan date: Date) async throws -> Int
    /// Counts commits of this process that wrote events: a relay with
    /// nothing new since its last look need not ask the database.
    var localEventWrites: Int { get }
}
