import Foundation
import Synchronization

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

/// Counts this process's commits that wrote outbox rows.
final class EventWriteCounter: Sendable {
    private let count = Atomic<Int>(0)
    var value: Int { count.load(ordering: .acquiring) }
    func increment() { count.add(1, ordering: .releasing) }
}

extension SQLMetadataStore: EventOutboxStore {
    /// Inserts `events` in the transaction of `db`, many rows a statement.
    static func insertEvents(_ db: any SQLSession, _ events: [RegistryEvent]) throws {
        let rowsPerStatement = 50
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .millisecondsSince1970
        for start in stride(from: 0, to: events.count, by: rowsPerStatement) {
            let batch = events[start..<min(start + rowsPerStatement, events.count)]
            let values = Array(repeating: "(?, ?, ?)", count: batch.count).joined(separator: ", ")
            let arguments = try batch.flatMap { event -> [SQLValue] in
                [.text(event.id), .time(event.time), .text(String(decoding: try encoder.encode(event), as: UTF8.self))]
            }
            try db.execute("INSERT INTO event_outbox (id, at, body) VALUES " + values, arguments)
        }
    }

    /// Runs after a commit that wrote `events`.
    func eventsCommitted(_ events: [RegistryEvent]) {
        if !events.isEmpty { eventWrites.increment() }
    }

    public var localEventWrites: Int { eventWrites.value }

    public func appendEvents(_ events: [RegistryEvent]) async throws {
        guard !events.isEmpty else { return }
        // Not fsynced, as the audit log was: a power cut may lose the last
        // moment of pulls and refusals, a crash of the process does not.
        try await backend.transaction(durable: false) { db in try Self.insertEvents(db, events) }
        eventsCommitted(events)
    }

    public func events(after position: Int64, limit: Int) async throws -> [OutboxEntry] {
        let rows = try await backend.read { db in
            try db.rows(
                "SELECT seq, body FROM event_outbox WHERE seq > ? ORDER BY seq LIMIT ?", .integer(position), .integer(Int64(limit)))
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return try rows.map { row in
            OutboxEntry(position: try row.integer("seq"), event: try decoder.decode(RegistryEvent.self, from: Data(try row.bytes("body"))))
        }
    }

    public func newestEventPosition() async throws -> Int64 {
        try await backend.read { db in
            try db.row("SELECT CAST(COALESCE(MAX(seq), 0) AS BIGINT) AS newest FROM event_outbox")?.integer("newest") ?? 0
        }
    }

    public func cursor(of consumer: String) async throws -> Int64 {
        try await backend.read { db in
            try db.row("SELECT position FROM event_cursors WHERE consumer = ?", .text(consumer))?.integer("position") ?? 0
        }
    }

    public func setCursor(of consumer: String, to position: Int64) async throws {
        // Not fsynced: a cursor a power cut sets back only repeats
        // deliveries, which consumers take idempotently.
        try await backend.transaction(durable: false) { db in
            try db.execute(
                """
                INSERT INTO event_cursors (consumer, position, updated_at) VALUES (?, ?, ?)
                ON CONFLICT (consumer) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at
                """, .text(consumer), .integer(position), .time(Date()))
        }
    }

    public func pruneEvents(readBy consumers: [String], olderThan date: Date) async throws -> Int {
        guard !consumers.isEmpty else { return 0 }
        return try await backend.transaction(durable: false) { db in
            let placeholders = Array(repeating: "?", count: consumers.count).joined(separator: ", ")
            let cursors = try db.rows(
                "SELECT position FROM event_cursors WHERE consumer IN (\(placeholders))", consumers.map(SQLValue.text)
            ).map { try $0.integer("position") }
            // A consumer that never read keeps everything.
            guard cursors.count == consumers.count, let oldest = cursors.min() else { return 0 }
            let removed = try db.row(
                "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM event_outbox WHERE seq <= ? AND at < ?", .integer(oldest), .time(date)
            )?.integer("n") ?? 0
            try db.execute("DELETE FROM event_outbox WHERE seq <= ? AND at < ?", .integer(oldest), .time(date))
            return Int(removed)
        }
    }
}
