import Foundation

/// `WebhookStore` over the same `SQLBackend` (and database) as the content.
public final class SQLWebhookStore: WebhookStore {
    let backend: any SQLBackend

    /// The schema is migrated by `SQLStores.open`, which makes this store.
    init(backend: any SQLBackend) {
        self.backend = backend
    }

    private static func webhook(_ row: SQLRow, prefix: String = "") throws -> Webhook {
        Webhook(
            id: try row.text(prefix + "id"), project: try row.text(prefix + "project"), url: try row.text(prefix + "url"),
            secret: try row.text(prefix + "secret"), events: try row.text(prefix + "events").split(separator: ",").map(String.init),
            createdAt: try row.time(prefix + "created_at"))
    }

    private static func delivery(_ row: SQLRow) throws -> WebhookDelivery {
        var delivery = WebhookDelivery(
            id: try row.text("id"), webhook: try row.text("webhook"), event: try row.text("event"), payload: try row.text("payload"),
            at: try row.time("created_at"))
        delivery.status = WebhookDelivery.Status(rawValue: try row.text("status")) ?? .failed
        delivery.attempts = Int(try row.integer("attempts"))
        delivery.nextAttemptAt = try row.time("next_attempt_at")
        delivery.lastStatusCode = try row.optionalInteger("last_status_code").map(Int.init)
        delivery.lastError = try row.optionalText("last_error")
        delivery.updatedAt = try row.time("updated_at")
        return delivery
    }

    public func webhooks(of project: String) async throws -> [Webhook] {
        try await backend.read { db in
            try db.rows("SELECT * FROM webhooks WHERE project = ? ORDER BY created_at, id", .text(project)).map { try Self.webhook($0) }
        }
    }

    public func addWebhook(_ webhook: Webhook) async throws {
        try await backend.transaction(durable: true) { db in
            try db.execute(
                "INSERT INTO webhooks (id, project, url, secret, events, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                .text(webhook.id), .text(webhook.project), .text(webhook.url), .text(webhook.secret),
                .text(webhook.events.joined(separator: ",")), .time(webhook.createdAt))
        }
    }

    public func deleteWebhook(id: String, project: String) async throws -> Bool {
        try await backend.transaction(durable: true) { db in
            guard try db.row("SELECT id FROM webhooks WHERE id = ? AND project = ?", .text(id), .text(project)) != nil else { return false }
            try db.execute("DELETE FROM webhook_deliveries WHERE webhook = ?", .text(id))
            try db.execute("DELETE FROM webhooks WHERE id = ?", .text(id))
            return true
        }
    }

    public func enqueueDeliveries(_ deliveries: [WebhookDelivery]) async throws {
        guard !deliveries.isEmpty else { return }
        try await backend.transaction(durable: true) { db in
            // A webhook deleted (with its project) since its subscriptions were read gets nothing.
            let hooks = Array(Set(deliveries.map(\.webhook)))
            let existing = Set(try db.rows(
                "SELECT id FROM webhooks WHERE id IN (\(Array(repeating: "?", count: hooks.count).joined(separator: ", ")))",
                hooks.map(SQLValue.text)
            ).map { try $0.text("id") })
            for d in deliveries where existing.contains(d.webhook) {
                try db.execute(
                    """
                    INSERT INTO webhook_deliveries (id, webhook, event, payload, status, attempts, next_attempt_at,
                        last_status_code, last_error, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO NOTHING
                    """,
                    .text(d.id), .text(d.webhook), .text(d.event), .text(d.payload), .text(d.status.rawValue), .integer(Int64(d.attempts)),
                    .time(d.nextAttemptAt), d.lastStatusCode.map { .integer(Int64($0)) } ?? .null, .text(d.lastError),
                    .time(d.createdAt), .time(d.updatedAt))
            }
        }
    }

    public func dueDeliveries(at now: Date, limit: Int) async throws -> [(WebhookDelivery, Webhook)] {
        try await backend.read { db in
            try db.rows(
                """
                SELECT d.*, w.id AS w_id, w.project AS w_project, w.url AS w_url, w.secret AS w_secret, w.events AS w_events,
                    w.created_at AS w_created_at
                FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook
                WHERE d.status = 'pending' AND d.next_attempt_at <= ? ORDER BY d.next_attempt_at, d.created_at LIMIT ?
                """, .time(now), .integer(Int64(limit))
            ).map { (try Self.delivery($0), try Self.webhook($0, prefix: "w_")) }
        }
    }

    public func nextDeliveryDue() async throws -> Date? {
        try await backend.read { db in
            try db.row(
                """
                SELECT MIN(d.next_attempt_at) AS due FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook
                WHERE d.status = 'pending'
                """)?
                .optionalInteger("due").map { Date(millisSince1970: $0) }
        }
    }

    public func updateDelivery(_ d: WebhookDelivery) async throws {
        try await backend.transaction(durable: true) { db in
            try db.execute(
                """
                UPDATE webhook_deliveries SET status = ?, attempts = ?, next_attempt_at = ?, last_status_code = ?,
                    last_error = ?, updated_at = ? WHERE id = ?
                """,
                .text(d.status.rawValue), .integer(Int64(d.attempts)), .time(d.nextAttemptAt),
                d.lastStatusCode.map { .integer(Int64($0)) } ?? .null, .text(d.lastError), .time(d.updatedAt), .text(d.id))
        }
    }

    public func claimDelivery(_ delivery: WebhookDelivery, until: Date) async throws -> Bool {
        try await backend.transaction(durable: true) { db in
            guard let row = try db.row("SELECT status, next_attempt_at FROM webhook_deliveries WHERE id = ?", .text(delivery.id)),
                  try row.text("status") == "pending", try row.integer("next_attempt_at") == delivery.nextAttemptAt.millisSince1970
            else { return false }
            try db.execute("UPDATE webhook_deliveries SET next_attempt_at = ? WHERE id = ?", .time(until), .text(delivery.id))
            return true
        }
    }

    public func deliveries(ofWebhook id: String, limit: Int) async throws -> [WebhookDelivery] {
        try await backend.read { db in
            try db.rows(
                "SELECT * FROM webhook_deliveries WHERE webhook = ? ORDER BY created_at DESC, id LIMIT ?", .text(id), .integer(Int64(limit))
            ).map(Self.delivery)
        }
    }

    public func pruneDeliveries(finishedBefore date: Date, batch: Int, maxBatches: Int) async throws -> Int {
        var removed = 0
        for _ in 0..<maxBatches {
            let count = try await backend.transaction(durable: false) { db in
                let ids = try db.rows(
                    """
                    SELECT d.id FROM webhook_deliveries d
                    WHERE (d.status IN ('delivered', 'failed') AND d.updated_at < ?)
                        OR NOT EXISTS (SELECT 1 FROM webhooks w WHERE w.id = d.webhook)
                    LIMIT ?
                    """, .time(date), .integer(Int64(batch))
                ).map { SQLValue.text(try $0.text("id")) }
                guard !ids.isEmpty else { return 0 }
                try db.execute(
                    "DELETE FROM webhook_deliveries WHERE id IN (\(Array(repeating: "?", count: ids.count).joined(separator: ", ")))", ids)
                return ids.count
            }
            removed += count
            guard count == batch else { break }
            await Task.yield()
        }
        return removed
    }
}
