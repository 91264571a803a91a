import Foundation

/// `AuditStore` over the same `SQLBackend` (and database) as the content.
public final class SQLAuditStore: AuditStore {
    let backend: any SQLBackend

    /// The schema is migrated by `SQLStores.open`, which makes this store.
    init(backend: any SQLBackend) {
        self.backend = backend
    }

    public func appendAudit(_ events: [RegistryEvent]) async throws {
        guard !events.isEmpty else { return }
        // Not fsynced: a power cut may lose the last second of entries, a crash of the process does not.
        // Many rows a statement (one statement in all on PostgreSQL), not one per entry.
        let insertions = events.batches(of: 50).map { batch in
            SQLStatement(
                "INSERT INTO audit_events (id, at, kind, actor, actor_kind, source, project, repository, digest, tag, result, detail) VALUES "
                    + Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", count: batch.count).joined(separator: ", ")
                    + " ON CONFLICT (id) DO NOTHING",
                batch.flatMap { e -> [SQLValue] in
                    [
                        .text(e.id), .time(e.time), .text(e.kind.rawValue), .text(e.actor),
                        .text(e.actorKind), .text(e.source), .text(e.project), .text(e.repository), .text(e.digest), .text(e.tag),
                        .text(e.result), .text(e.detail),
                    ]
                })
        }
        // Entries are only added, each once (by id): nothing to re-check.
        try await backend.transaction(durable: false, isolation: .readCommitted) { db in try db.enqueue(together: insertions) }
    }

    public func audit(_ query: AuditQuery) async throws -> [AuditEntry] {
        var conditions: [String] = []
        var arguments: [SQLValue] = []
        for (column, value) in [("project", query.project), ("repository", query.repository), ("actor", query.actor), ("kind", query.kind)] {
            if let value {
                conditions.append("\(column) = ?")
                arguments.append(.text(value))
            }
        }
        if let since = query.since {
            conditions.append("at >= ?")
            arguments.append(.time(since))
        }
        if let until = query.until {
            conditions.append("at < ?")
            arguments.append(.time(until))
        }
        if let before = query.before {
            conditions.append("seq < ?")
            arguments.append(.integer(before))
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        arguments.append(.integer(Int64(query.limit)))
        let rows = try await backend.read { [arguments] db in
            try db.rows("SELECT * FROM audit_events \(filter) ORDER BY seq DESC LIMIT ?", arguments)
        }
        return try rows.map { row in
            var event = RegistryEvent(
                RegistryEvent.Kind(rawValue: try row.text("kind")) ?? .settingsChanged,
                actor: Actor(name: try row.optionalText("actor"), kind: try row.text("actor_kind"), source: try row.optionalText("source")),
                project: try row.optionalText("project"), tag: try row.optionalText("tag"), result: try row.text("result"),
                detail: try row.optionalText("detail"),
                time: try row.time("at"))
            event.id = try row.text("id")
            event.repository = try row.optionalText("repository")
            event.digest = try row.optionalText("digest")
            return AuditEntry(cursor: try row.integer("seq"), event: event)
        }
    }

    public func pruneAudit(olderThan date: Date) async throws -> Int {
        let cutoff = date.millisSince1970
        return try await backend.transaction(durable: false) { db in
            let count = try db.row("SELECT COUNT(*) AS n FROM audit_events WHERE at < ?", .integer(cutoff))?.integer("n") ?? 0
            try db.execute("DELETE FROM audit_events WHERE at < ?", .integer(cutoff))
            return Int(count)
        }
    }
}
