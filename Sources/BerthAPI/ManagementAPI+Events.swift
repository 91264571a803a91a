import BerthManagement
import BerthMetadata
import BerthRegistry
import Foundation
import Hummingbird
import OCI

/// The audit log and a project's webhooks with their recent deliveries.
extension ManagementAPI {
    private struct EntryBody: Encodable {
        let id: String
        let time: Date
        let action: String
        let actor: String?
        let actor_kind: String
        let source: String?
        let project: String?
        let repository: String?
        let digest: String?
        let tag: String?
        let result: String
        let detail: String?

        init(_ e: RegistryEvent) {
            (id, time, action, actor, actor_kind, source) = (e.id, e.time, e.kind.rawValue, e.actor, e.actorKind, e.source)
            (project, repository, digest, tag, result, detail) = (e.project, e.repository, e.digest, e.tag, e.result, e.detail)
        }
    }

    private struct AuditPage: Encodable {
        let entries: [EntryBody]
        /// The next (older) page, when there may be one.
        let next: String?
    }

    private struct NewWebhook: Decodable {
        let url: String
        let events: [String]?
        let secret: String?
    }

    private struct WebhookBody: Encodable {
        let id: String
        let url: String
        let events: [String]
        /// Only in the answer to its creation.
        let secret: String?
    }

    private struct DeliveryBody: Encodable {
        let id: String
        let event: String
        let status: String
        let attempts: Int
        let last_status_code: Int?
        let last_error: String?
        let created_at: Date
        let updated_at: Date
        let next_attempt_at: Date?

        init(_ d: WebhookDelivery) {
            (id, event, status, attempts, last_status_code, last_error) =
                (d.id, d.event, d.status.rawValue, d.attempts, d.lastStatusCode, d.lastError)
            (created_at, updated_at, next_attempt_at) = (d.createdAt, d.updatedAt, d.status == .pending ? d.nextAttemptAt : nil)
        }
    }

    func addEventRoutes(to api: ManagementRoutes) {
        let webhooks = services.webhooks
        let projectAdmin = ManagementAccess.projectRole(.projectAdmin, parameter: "name")
        api.on("/audit", .get, requires: .signedIn) { request, context in try await auditLog(request, context) }
        api.on("/projects/{name}/webhooks", .get, requires: projectAdmin) { _, context in
            let hooks = try await webhooks.webhooks(of: context.parameters.require("name"), by: context.requester)
            return try Self.json(hooks.map { WebhookBody(id: $0.id, url: $0.url, events: $0.events, secret: nil) })
        }
        api.on("/projects/{name}/webhooks", .post, requires: projectAdmin) { request, context in
            let body = try await Self.decode(NewWebhook.self, request, context)
            let hook = try await webhooks.add(
                WebhookService.NewWebhook(url: body.url, events: body.events, secret: body.secret), to: context.parameters.require("name"),
                by: context.requester)
            return try Self.json(WebhookBody(id: hook.id, url: hook.url, events: hook.events, secret: hook.secret), status: .created)
        }
        api.on("/projects/{name}/webhooks/{id}", .delete, requires: projectAdmin) { _, context in
            try await webhooks.delete(context.parameters.require("id"), from: context.parameters.require("name"), by: context.requester)
            return Response(status: .noContent)
        }
        api.on("/projects/{name}/webhooks/{id}/deliveries", .get, requires: projectAdmin) { _, context in
            let deliveries = try await webhooks.deliveries(
                ofWebhook: context.parameters.require("id"), in: context.parameters.require("name"), by: context.requester)
            return try Self.json(deliveries.map(DeliveryBody.init))
        }
    }

    /// `GET /audit?project=&repository=&actor=&action=&since=&until=&limit=&before=`, newest first.
    private func auditLog(_ request: Request, _ context: BerthRequestContext) async throws -> Response {
        let parameters = request.uri.queryParameters
        let text = { (name: String) in parameters[Substring(name)].map(String.init) }
        let dates = ISO8601DateFormatter()
        func date(_ name: String) throws -> Date? {
            guard let value = text(name) else { return nil }
            guard let date = dates.date(from: value) else {
                throw RegistryError(.unsupported, "\(name) must be an RFC 3339 time such as 2026-11-29T10:00:00Z", status: 400)
            }
            return date
        }
        let limit = try Self.pageLimit(text("limit"), fallback: 100)
        let before = try text("before").map { value in
            guard let cursor = Int64(value) else { throw RegistryError(.unsupported, "before must be a cursor from a previous page", status: 400) }
            return cursor
        }
        let query = AuditQuery(
            project: text("project"), repository: text("repository"), actor: text("actor"), kind: text("action"), since: try date("since"),
            until: try date("until"), before: before, limit: limit)
        let entries = try await services.audit.entries(query, by: context.requester)
        var next: String?
        if entries.count == limit, let last = entries.last {
            var items = parameters.filter { $0.key != "before" }.map { "\($0.key)=\($0.value)" }
            items.append("before=\(last.cursor)")
            next = "/api/v1/audit?" + items.joined(separator: "&")
        }
        return try Self.json(AuditPage(entries: entries.map { EntryBody($0.event) }, next: next))
    }
}
