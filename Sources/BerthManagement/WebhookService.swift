import BerthAuth
import BerthMetadata
import BerthRegistry
import Foundation
import OCI

/// A project's webhooks and their recent deliveries, for its ProjectAdmins.
public struct WebhookService: Sendable {
    let store: any WebhookStore
    /// Told of changes (it caches each project's webhooks), and the judge of targets.
    let notifier: WebhookNotifier
    let permissions: ManagementPermissions
    let audit: ChangeAudit

    public struct NewWebhook: Sendable {
        public let url: String
        /// nil: every kind a webhook may subscribe to.
        public let events: [String]?
        /// nil: one is generated.
        public let secret: String?

        public init(url: String, events: [String]?, secret: String?) {
            (self.url, self.events, self.secret) = (url, events, secret)
        }
    }

    /// Deliveries shown per webhook.
    static let deliveriesShown = 50

    public func webhooks(of project: String, by requester: Requester) async throws -> [Webhook] {
        try await permissions.check(.projectRole(.projectAdmin, in: project), requester)
        return try await store.webhooks(of: project)
    }

    /// The webhook created, with its secret (shown only now).
    public func add(_ new: NewWebhook, to project: String, by requester: Requester) async throws -> Webhook {
        try await permissions.check(.projectRole(.projectAdmin, in: project), requester)
        guard let url = URL(string: new.url), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw RegistryError(.unsupported, "url must be an http or https URL", status: 400)
        }
        // Internal addresses, named or resolved to, are refused (each delivery checks again:
        // a host that does not resolve now, or resolves elsewhere later, is judged then).
        if case .refused(let reason) = await notifier.targets.check(new.url) {
            throw RegistryError(.unsupported, reason, status: 400)
        }
        let known = RegistryEvent.Kind.notifiable.map(\.rawValue)
        let events = new.events ?? known
        guard !events.isEmpty, events.allSatisfy({ known.contains($0) }) else {
            throw RegistryError(.unsupported, "events are some of: \(known.joined(separator: ", "))", status: 400)
        }
        let secret = new.secret ?? Secrets.random(length: 32)
        guard secret.count >= 16 else { throw RegistryError(.unsupported, "secret needs at least 16 characters", status: 400) }
        let hook = Webhook(id: Secrets.random(length: 12).lowercased(), project: project, url: new.url, secret: secret, events: events)
        try await store.addWebhook(hook)
        notifier.forget(project)
        audit.record(requester, .created, "projects/\(project)/webhooks/\(hook.id)", project: project)
        return hook
    }

    public func delete(_ id: String, from project: String, by requester: Requester) async throws {
        try await permissions.check(.projectRole(.projectAdmin, in: project), requester)
        guard try await store.deleteWebhook(id: id, project: project) else { throw Self.unknown(in: project) }
        notifier.forget(project)
        audit.record(requester, .deleted, "projects/\(project)/webhooks/\(id)", project: project)
    }

    /// The webhook's latest deliveries, newest first.
    public func deliveries(ofWebhook id: String, in project: String, by requester: Requester) async throws -> [WebhookDelivery] {
        try await permissions.check(.projectRole(.projectAdmin, in: project), requester)
        guard try await store.webhooks(of: project).contains(where: { $0.id == id }) else { throw Self.unknown(in: project) }
        return try await store.deliveries(ofWebhook: id, limit: Self.deliveriesShown)
    }

    /// Without the id asked for: it may be anything a caller typed.
    private static func unknown(in project: String) -> RegistryError {
        RegistryError(.nameUnknown, "no such webhook in \(project)", status: 404)
    }
}
