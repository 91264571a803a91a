import BerthAuth
import BerthMetadata
import BerthRegistry
import Foundation
import Hummingbird
import OCI

/// The audit log (administrators; ProjectAdmins for their project) and a
/// project's webhooks with their recent deliveries (ProjectAdmins).
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
    }

    func addEventRoutes(to api: ManagementRoutes) {
        let projectAdmin = ManagementAccess.projectRole(.projectAdmin, parameter: "name")
        api.on("/audit", .get, requires: .signedIn) { request, context in try await auditLog(request, context) }
        api.on("/projects/{name}/webhooks", .get, requires: projectAdmin) { _, context in
            let project = try context.parameters.require("name")
            let hooks = try await stores.webhooks.webhooks(of: project)
            return try Self.json(hooks.map { WebhookBody(id: $0.id, url: $0.url, events: $0.events, secret: nil) })
        }
        api.on("/projects/{name}/webhooks", .post, requires: projectAdmin) { request, context in
            let project = try context.parameters.require("name")
            let body = try await Self.decode(NewWebhook.self, request, context)
            guard let url = URL(string: body.url), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw RegistryError(.unsupported, "url must be an http or https URL", status: 400)
            }
            // Internal addresses, named or resolved to, are refused (each delivery checks again:
            // a host that does not resolve now, or resolves elsewhere later, is judged then).
            if case .refused(let reason) = await webhooks.targets.check(body.url) {
                throw RegistryError(.unsupported, reason, status: 400)
            }
            let known = RegistryEvent.Kind.notifiable.map(\.rawValue)
            let events = body.events ?? known
            guard !events.isEmpty, let unknown = Optional(events.filter { !known.contains($0) }), unknown.isEmpty else {
                throw RegistryError(.unsupported, "events are some of: \(known.joined(separator: ", "))", status: 400)
            }
            let secret = body.secret ?? Secrets.random(length: 32)
            guard secret.count >= 16 else { throw RegistryError(.unsupported, "secret needs at least 16 characters", status: 400) }
            let hook = Webhook(id: Secrets.random(length: 12).lowercased(), project: project, url: body.url, secret: secret, events: events)
            try await stores.webhooks.addWebhook(hook)
            webhooks.forget(project)
            return try Self.json(WebhookBody(id: hook.id, url: hook.url, events: hook.events, secret: secret), status: .created)
        }
        api.on("/projects/{name}/webhooks/{id}", .delete, requires: projectAdmin) { _, context in
            let project = try context.parameters.require("name")
            guard try await stores.webhooks.deleteWebhook(id: try context.parameters.require("id"), project: project) else {
                throw RegistryError(.nameUnknown, "no such webhook in \(project)", status: 404)
            }
            webhooks.forget(project)
            return Response(status: .noContent)
        }
        api.on("/projects/{name}/webhooks/{id}/deliveries", .get, requires: projectAdmin) { _, context in
            let project = try context.parameters.require("name")
            let id = try context.parameters.require("id")
            guard try await stores.webhooks.webhooks(of: project).contains(where: { $0.id == id }) else {
                throw RegistryError(.nameUnknown, "no such webhook in \(project)", status: 404)
            }
            return try Self.json(try await stores.webhooks.deliveries(ofWebhook: id, limit: 50).map { d in
                DeliveryBody(
                    id: d.id, event: d.event, status: d.status.rawValue, attempts: d.attempts, last_status_code: d.lastStatusCode,
                    last_error: d.lastError, created_at: d.createdAt, updated_at: d.updatedAt,
                    next_attempt_at: d.status == .pending ? d.nextAttemptAt : nil)
            })
        }
    }

    /// `GET /audit?project=&repository=&actor=&action=&since=&until=&limit=&before=`, newest first:
    /// the whole log for administrators, a project's for its ProjectAdmins.
    private func auditLog(_ request: Request, _ context: BerthRequestContext) async throws -> Response {
        let parameters = request.uri.queryParameters
        let text = { (name: String) in parameters[Substring(name)].map(String.init) }
        let project = text("project")
        if !context.identity.isAdmin {
            guard let project else { throw RegistryError(.denied, "only administrators read the whole audit log; name a project") }
            _ = try await requireRole(context, project, atLeast: .projectAdmin)
        }
        let dates = ISO8601DateFormatter()
        func date(_ name: String) throws -> Date? {
            guard let value = text(name) else { return nil }
            guard let date = dates.date(from: value) else {
                throw RegistryError(.unsupported, "\(name) must be an RFC 3339 time such as 2026-11-29T10:00:00Z", status: 400)
            }
            return date
        }
        let limit = try text("limit").map { value in
            guard let n = Int(value), (1...1000).contains(n) else {
                throw RegistryError(.paginationNumberInvalid, "limit must be 1 to 1000", status: 400)
            }
            return n
        } ?? 100
        let before = try text("before").map { value in
            guard let cursor = Int64(value) else { throw RegistryError(.unsupported, "before must be a cursor from a previous page", status: 400) }
            return cursor
        }
        let query = AuditQuery(
            project: project, repository: text("repository"), actor: text("actor"), kind: text("action"), since: try date("since"),
            until: try date("until"), before: before, limit: limit)
        let entries = try await stores.audit.audit(query)
        var next: String?
        if entries.count == limit, let last = entries.last {
            var items = parameters.filter { $0.key != "before" }.map { "\($0.key)=\($0.value)" }
            items.append("before=\(last.cursor)")
            next = "/api/v1/audit?" + items.joined(separator: "&")
        }
        return try Self.json(AuditPage(entries: entries.map { entry in
            let e = entry.event
            return EntryBody(
                id: e.id, time: e.time, action: e.kind.rawValue, actor: e.actor, actor_kind: e.actorKind, source: e.source,
                project: e.project, repository: e.repository, digest: e.digest, tag: e.tag, result: e.result, detail: e.detail)
        }, next: next))
    }
}
