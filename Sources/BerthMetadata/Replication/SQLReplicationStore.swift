import Foundation

/// Rules as JSON documents; executions as rows whose artifacts are a JSON
/// list, claimed by one node at a time (and by another once its heartbeat stops).
public final class SQLReplicationStore: ReplicationStore {
    let backend: any SQLBackend

    init(backend: any SQLBackend) {
        self.backend = backend
    }

    public func replicationRules() async throws -> [ReplicationRule] {
        try await backend.read { db in try db.rows("SELECT rule FROM replication_rules ORDER BY name").map(Self.rule) }
    }

    public func replicationRule(named name: String) async throws -> ReplicationRule? {
        try await backend.read { db in try db.row("SELECT rule FROM replication_rules WHERE name = ?", .text(name)).map(Self.rule) }
    }

    public func createReplicationRule(_ rule: ReplicationRule) async throws {
        let document = try Self.encode(rule)
        try await backend.transaction(durable: true) { db in
            guard try db.row("SELECT name FROM replication_rules WHERE name = ?", .text(rule.name)) == nil else { throw AccountStoreError.exists }
            try db.execute(
                "INSERT INTO replication_rules (name, rule, created_at) VALUES (?, ?, ?)", .text(rule.name), .text(document), .time(rule.createdAt))
        }
    }

    public func deleteReplicationRule(named name: String) async throws -> Bool {
        try await backend.transaction(durable: true) { db in
            guard try db.row("SELECT name FROM replication_rules WHERE name = ?", .text(name)) != nil else { return false }
            try db.execute("DELETE FROM replication_rules WHERE name = ?", .text(name))
            // Queued runs of a rule that is gone have nothing to do.
            try db.execute("DELETE FROM replication_executions WHERE rule = ? AND status = 'pending'", .text(name))
            return true
        }
    }

    public func enqueue(_ execution: ReplicationExecution, slot: Date?) async throws -> Bool {
        let scope = try execution.scope.map(Self.encode)
        return try await backend.transaction(durable: true) { db in
            if try db.row("SELECT id FROM replication_executions WHERE id = ?", .text(execution.id)) != nil { return false }
            if let slot, try db.row(
                "SELECT id FROM replication_executions WHERE rule = ? AND slot = ?", .text(execution.rule), .time(slot)) != nil
            {
                return false
            }
            try db.execute(
                """
                INSERT INTO replication_executions (id, rule, trigger, scope, slot, status, created_at, artifacts)
                VALUES (?, ?, ?, ?, ?, 'pending', ?, '[]')
                """,
                .text(execution.id), .text(execution.rule), .text(execution.trigger.rawValue), .text(scope), slot.map(SQLValue.time) ?? .null,
                .time(execution.createdAt))
            return true
        }
    }

    public func claimExecution(node: String, now: Date, staleBefore: Date) async throws -> ReplicationExecution? {
        // A read first: an idle cluster's every node asks each second, and need not write to learn there is nothing.
        let waiting = try await backend.read { db in
            try db.row(
                "SELECT id FROM replication_executions WHERE status = 'pending' OR (status = 'running' AND heartbeat < ?) LIMIT 1",
                .time(staleBefore)) != nil
        }
        guard waiting else { return nil }
        return try await backend.transaction(durable: true) { db in
            guard let row = try db.row(
                """
                SELECT * FROM replication_executions
                WHERE status = 'pending' OR (status = 'running' AND heartbeat < ?) ORDER BY created_at, id LIMIT 1
                """, .time(staleBefore))
            else { return nil }
            var execution = try Self.execution(row)
            execution.status = .running
            execution.startedAt = execution.startedAt ?? now
            try db.execute(
                "UPDATE replication_executions SET status = 'running', node = ?, heartbeat = ?, started_at = ? WHERE id = ?",
                .text(node), .time(now), .time(execution.startedAt!), .text(execution.id))
            return execution
        }
    }

    public func beat(_ execution: ReplicationExecution, node: String, now: Date) async throws {
        let artifacts = try Self.encode(execution.artifacts)
        try await backend.transaction(durable: false) { db in
            try db.execute(
                "UPDATE replication_executions SET heartbeat = ?, artifacts = ? WHERE id = ? AND node = ? AND status = 'running'",
                .time(now), .text(artifacts), .text(execution.id), .text(node))
        }
    }

    public func finish(_ execution: ReplicationExecution) async throws {
        let artifacts = try Self.encode(execution.artifacts)
        try await backend.transaction(durable: true) { db in
            try db.execute(
                "UPDATE replication_executions SET status = ?, finished_at = ?, artifacts = ?, error = ? WHERE id = ?",
                .text(execution.status.rawValue), .time(execution.finishedAt ?? Date()), .text(artifacts), .text(execution.error),
                .text(execution.id))
        }
    }

    public func execution(id: String) async throws -> ReplicationExecution? {
        try await backend.read { db in try db.row("SELECT * FROM replication_executions WHERE id = ?", .text(id)).map(Self.execution) }
    }

    public func executions(of rule: String, limit: Int) async throws -> [ReplicationExecution] {
        try await backend.read { db in
            try db.rows(
                "SELECT * FROM replication_executions WHERE rule = ? ORDER BY created_at DESC, id DESC LIMIT ?", .text(rule),
                .integer(Int64(max(1, min(limit, 1000))))
            ).map(Self.execution)
        }
    }

    public func pruneExecutions(finishedBefore date: Date) async throws -> Int {
        try await backend.transaction(durable: false) { db in
            try db.rows(
                """
                DELETE FROM replication_executions WHERE id IN (SELECT id FROM replication_executions
                    WHERE status IN ('succeeded', 'failed') AND finished_at < ? LIMIT 10000) RETURNING id
                """, .time(date)
            ).count
        }
    }

    private static func rule(_ row: SQLRow) throws -> ReplicationRule {
        try JSONDecoder().decode(ReplicationRule.self, from: Data(try row.text("rule").utf8))
    }

    private static func execution(_ row: SQLRow) throws -> ReplicationExecution {
        var execution = ReplicationExecution(
            id: try row.text("id"), rule: try row.text("rule"),
            trigger: ReplicationRule.Trigger(rawValue: try row.text("trigger")) ?? .manual,
            scope: try row.optionalText("scope").map { try JSONDecoder().decode(ReplicationExecution.Scope.self, from: Data($0.utf8)) },
            createdAt: try row.time("created_at"))
        execution.status = ReplicationExecution.Status(rawValue: try row.text("status")) ?? .failed
        execution.startedAt = try row.optionalInteger("started_at").map(Date.init(millisSince1970:))
        execution.finishedAt = try row.optionalInteger("finished_at").map(Date.init(millisSince1970:))
        execution.artifacts = try JSONDecoder().decode([ReplicationExecution.Artifact].self, from: Data(try row.text("artifacts").utf8))
        execution.error = try row.optionalText("error")
        return execution
    }

    private static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
