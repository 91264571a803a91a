import Foundation
import Synchronization

/// Counts this process's commits that wrote outbox rows: one instance is
/// shared by the outbox store and the content store, whose changes write
/// their events in their own transactions.
final class EventWriteCounter: Sendable {
    private let count = Atomic<Int>(0)
    var value: Int { count.load(ordering: .acquiring) }

    /// Runs after a commit that wrote `events`.
    func committed(_ events: [RegistryEvent]) {
        if !events.isEmpty { count.add(1, ordering: .releasing) }
    }
}

/// `EventOutboxStore` over the same `SQLBackend` (and database) as the content.
public final class SQLEventOutboxStore: EventOutboxStore {
    let backend: any SQLBackend
    let eventWrites: EventWriteCounter

    /// The schema is migrated by `SQLStores.open`, which makes this store.
    init(backend: any SQLBackend, eventWrites: EventWriteCounter) {
        self.backend = backend
        self.eventWrites = eventWrites
    }

    /// Inserts `events` in the transaction of `db`, many rows a statement:
    /// for `appendEvents`, and for the content store's changes.
    static func insertEvents(_ db: any SQLSession, _ events: [RegistryEvent]) throws {
        try db.enqueue(together: try insertions(events))
    }

    /// The statements that insert `events`, many rows each (for a change
    /// that joins them to its own writes).
    static func insertions(_ events: [RegistryEvent]) throws -> [SQLStatement] {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .millisecondsSince1970
        return try events.batches(of: 50).map { batch in
            let values = Array(repeating: "(?, ?, ?)", count: batch.count).joined(separator: ", ")
            let arguments = try batch.flatMap { event -> [SQLValue] in
                [.text(event.id), .time(event.time), .text(String(decoding: try encoder.encode(event), as: UTF8.self))]
            }
            return SQLStatement("INSERT INTO event_outbox (id, at, body) VALUES " + values, arguments)
        }
    }

    public var localEventWrites: Int { eventWrites.value }

    public func appendEvents(_ events: [RegistryEvent]) async throws {
        guard !events.isEmpty else { return }
        // Not fsynced, as the audit log was: a power cut may lose the last
        // moment of pulls and refusals, a crash of the process does not.
        try await backend.transaction(durable: false, isolation: .readCommitted) { db in try Self.insertEvents(db, events) }
        eventWrites.committed(events)
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
