import Foundation

/// An endpoint a project's events are POSTed to, signed with `secret`.
public struct Webhook: Sendable, Equatable {
    public let id: String
    public let project: String
    public let url: String
    public let secret: String
    /// Event kinds (`RegistryEvent.Kind` raw values) sent to it.
    public let events: [String]
    /// It gets the events that happen from then on only (never those of
    /// an earlier project of the same name).
    public let createdAt: Date

    public init(id: String, project: String, url: String, secret: String, events: [String], createdAt: Date = Date()) {
        (self.id, self.project, self.url, self.secret, self.events) = (id, project, url, secret, events)
        // As stored: to the millisecond.
        self.createdAt = Date(millisSince1970: createdAt.millisSince1970)
    }
}

/// One event on its way to one webhook: the persistent queue's entry.
public struct WebhookDelivery: Sendable, Equatable {
    public enum Status: String, Sendable { case pending, delivered, failed }

    public let id: String
    public let webhook: String
    public let event: String
    /// The exact JSON body sent (and signed).
    public let payload: String
    public var status: Status
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastStatusCode: Int?
    public var lastError: String?
    public let createdAt: Date
    public var updatedAt: Date

    public init(id: String, webhook: String, event: String, payload: String, at date: Date) {
        (self.id, self.webhook, self.event, self.payload) = (id, webhook, event, payload)
        status = .pending
        attempts = 0
        nextAttemptAt = date
        createdAt = date
        updatedAt = date
    }
}

public protocol WebhookStore: Sendable {
    func webhooks(of project: String) async throws -> [Webhook]
    func addWebhook(_ webhook: Webhook) async throws
    /// Removes a webhook and its deliveries; false when the project has no such webhook.
    func deleteWebhook(id: String, project: String) async throws -> Bool
    /// Queues deliveries durably: once this returns they survive a crash.
    /// Deliveries to a webhook that no longer exists (its project was
    /// deleted meanwhile) are dropped.
    func enqueueDeliveries(_ deliveries: [WebhookDelivery]) async throws
    /// Pending deliveries due at `now`, oldest first, with their webhook.
    func dueDeliveries(at now: Date, limit: Int) async throws -> [(WebhookDelivery, Webhook)]
    /// The earliest time a pending delivery of an existing webhook is due, if any.
    func nextDeliveryDue() async throws -> Date?
    func updateDelivery(_ delivery: WebhookDelivery) async throws
    /// Claims a due delivery for this node until `until` (so no other node
    /// sends it meanwhile); false when another node claimed it first.
    func claimDelivery(_ delivery: WebhookDelivery, until: Date) async throws -> Bool
    /// The newest deliveries of a webhook, newest first.
    func deliveries(ofWebhook id: String, limit: Int) async throws -> [WebhookDelivery]
    /// Removes deliveries that are over (delivered or given up) since
    /// before `date`, and any left without their webhook, in transactions
    /// of at most `batch` rows, at most `maxBatches` of them a call; the
    /// number removed.
    func pruneDeliveries(finishedBefore date: Date, batch: Int, maxBatches: Int) async throws -> Int
}
