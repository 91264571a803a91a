import AsyncHTTPClient
import BerthMetadata
import Crypto
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// Sends a project's events to its webhooks: as a consumer of the event
/// outbox it queues a delivery per subscribed webhook in the database
/// (once, whatever the number of times an event is handed over: a
/// delivery's id derives from the event's and the webhook's), then POSTs
/// them (`deliver`) with an HMAC-SHA256 signature of the body, retried with
/// exponential backoff, and given up after `maxAttempts`. The push that
/// caused an event never waits for any of it.
///
/// Each attempt checks its target first (`targets`: no internal addresses
/// unless allowed) and connects to the address it checked; redirects are
/// never followed: a 3xx is a failed attempt.
public final class WebhookNotifier: EventConsumer {
    public let name = "webhooks"
    let store: any WebhookStore
    let retryBase: TimeInterval
    let maxAttempts: Int
    let metrics: JobMetrics
    let logger: Logger
    /// Where deliveries may go.
    public let targets: WebhookTargets
    /// Each project's webhooks, for a few seconds; `generation` counts
    /// `forget`s, so that a read begun before one is not remembered after it.
    private let subscriptions = Mutex<(hooks: [String: (hooks: [Webhook], until: ContinuousClock.Instant)], generation: Int)>(([:], 0))
    /// When the queue is next worth reading: set by enqueues and retries.
    private let nextCheck = Mutex<Date>(.distantPast)
    static let concurrentDeliveries = 8
    static let timeout: TimeAmount = .seconds(10)
    /// The queue is re-read at least this often (deliveries queued by other nodes).
    static let recheck: TimeInterval = 30

    public init(
        store: any WebhookStore, retryBase: TimeInterval, maxAttempts: Int, allowPrivate: Bool = false, metrics: JobMetrics,
        logger: Logger
    ) {
        self.store = store
        self.retryBase = retryBase
        self.maxAttempts = maxAttempts
        targets = WebhookTargets(allowPrivate: allowPrivate)
        self.metrics = metrics
        self.logger = logger
    }

    /// Whether webhooks may hear of `event`: notifiable kinds that happened
    /// (and quotas exceeded) in a project.
    static func isNotifiable(_ event: RegistryEvent) -> Bool {
        event.project != nil && RegistryEvent.Kind.notifiable.contains(event.kind)
            && (event.result == "success" || event.kind == .quotaExceeded)
    }

    /// Forgets the remembered webhooks of `project`, after they changed.
    public func forget(_ project: String) {
        subscriptions.withLock {
            _ = $0.hooks.removeValue(forKey: project)
            $0.generation += 1
        }
    }

    /// Queues a delivery per subscribed webhook for each event.
    public func consume(_ entries: [OutboxEntry]) async throws {
        let now = Date()
        var deliveries: [WebhookDelivery] = []
        for event in entries.map(\.event) where Self.isNotifiable(event) {
            guard let project = event.project else { continue }
            // A webhook created after the event (say, of a new project of the same name) does not get it.
            for hook in try await webhooks(of: project) where hook.events.contains(event.kind.rawValue) && event.time >= hook.createdAt {
                deliveries.append(WebhookDelivery(
                    id: Self.deliveryID(event: event.id, webhook: hook.id), webhook: hook.id, event: event.kind.rawValue,
                    payload: Self.payload(event), at: now))
            }
        }
        try await store.enqueueDeliveries(deliveries)
        if !deliveries.isEmpty { nextCheck.withLock { $0 = now } }
    }

    /// The same for the same event and webhook, so that an event handed
    /// over twice is delivered once; shaped like the UUIDs it replaced.
    static func deliveryID(event: String, webhook: String) -> String {
        let hex = SHA256.hash(data: Data("\(event)\n\(webhook)".utf8)).prefix(16).map { String(format: "%02x", $0) }.joined()
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
        return parts.joined(separator: "-")
    }

    /// Sends the deliveries that are due.
    public func deliver(now: Date = Date()) async throws {
        guard now >= nextCheck.withLock({ $0 }) else { return }
        var due: [(WebhookDelivery, Webhook)] = []
        for (delivery, hook) in try await store.dueDeliveries(at: now, limit: 64) {
            // Claimed for a minute: a node that dies mid-delivery leaves it to another.
            if try await store.claimDelivery(delivery, until: now.addingTimeInterval(60)) { due.append((delivery, hook)) }
        }
        await withTaskGroup(of: Void.self) { group in
            for (index, (delivery, hook)) in due.enumerated() {
                if index >= Self.concurrentDeliveries { await group.next() }
                group.addTask { await self.attempt(delivery, to: hook) }
            }
        }
        let next = try await store.nextDeliveryDue() ?? .distantFuture
        nextCheck.withLock { $0 = min(next, Date().addingTimeInterval(Self.recheck)) }
    }

    /// One client a delivery: it connects only to the address checked
    /// (`dnsOverride`), follows no redirect, and is shut down after.
    static func clientConfiguration(host: String, address: String?) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        configuration.timeout = .init(connect: .seconds(5), read: timeout)
        if let address { configuration.dnsOverride = [host: address] }
        return configuration
    }

    private func attempt(_ delivery: WebhookDelivery, to hook: Webhook) async {
        var delivery = delivery
        delivery.attempts += 1
        delivery.updatedAt = Date()
        var refused = false
        do {
            let (host, address): (String, String?)
            switch await targets.check(hook.url) {
            case .allowed(let checkedHost, let checkedAddress): (host, address) = (checkedHost, checkedAddress)
            case .refused(let reason): throw Refusal(reason: reason)
            case .unresolved(let reason): throw Unresolved(reason: reason)
            }
            var request = HTTPClientRequest(url: hook.url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "User-Agent", value: "berth-webhook")
            request.headers.add(name: "X-Berth-Event", value: delivery.event)
            request.headers.add(name: "X-Berth-Delivery", value: delivery.id)
            request.headers.add(name: "X-Berth-Signature-256", value: Self.signature(delivery.payload, secret: hook.secret))
            request.body = .bytes(ByteBuffer(string: delivery.payload))
            let code = try await HTTPClient.withHTTPClient(configuration: Self.clientConfiguration(host: host, address: address)) { client in
                let response = try await client.execute(request, timeout: Self.timeout)
                _ = try? await response.body.collect(upTo: 64 << 10)
                return response.status.code
            }
            delivery.lastStatusCode = Int(code)
            delivery.lastError = switch code {
            case 200..<300: nil
            case 300..<400: "answered \(code), a redirect: redirects are not followed"
            default: "answered \(code)"
            }
        } catch let refusal as Refusal {
            // Not worth retrying: the target is refused until an administrator changes the setting.
            refused = true
            delivery.lastStatusCode = nil
            delivery.lastError = refusal.reason
        } catch {
            delivery.lastStatusCode = nil
            delivery.lastError = String(describing: error).prefix(500).description
        }
        if delivery.lastError == nil {
            delivery.status = .delivered
            metrics.add("berth_webhook_deliveries_total", labels: "outcome=\"delivered\"")
        } else if refused {
            delivery.status = .failed
            metrics.add("berth_webhook_deliveries_total", labels: "outcome=\"refused\"")
            logger.warning(
                "webhook delivery refused", metadata: ["webhook": "\(hook.id)", "url": "\(hook.url)", "error": "\(delivery.lastError ?? "")"])
        } else if delivery.attempts >= maxAttempts {
            delivery.status = .failed
            metrics.add("berth_webhook_deliveries_total", labels: "outcome=\"failed\"")
            logger.warning(
                "webhook delivery given up", metadata: ["webhook": "\(hook.id)", "url": "\(hook.url)", "error": "\(delivery.lastError ?? "")"])
        } else {
            delivery.nextAttemptAt = Date().addingTimeInterval(min(retryBase * pow(2, Double(delivery.attempts - 1)), 3600))
            metrics.add("berth_webhook_deliveries_total", labels: "outcome=\"retrying\"")
        }
        do {
            try await store.updateDelivery(delivery)
        } catch {
            logger.error("recording a webhook delivery failed", metadata: ["delivery": "\(delivery.id)", "error": "\(error)"])
        }
    }

    struct Refusal: Error { let reason: String }
    struct Unresolved: Error, CustomStringConvertible { let reason: String; var description: String { reason } }

    private func webhooks(of project: String) async throws -> [Webhook] {
        let now = ContinuousClock.now
        let (cached, generation) = subscriptions.withLock { state in
            (state.hooks[project].flatMap { $0.until > now ? $0.hooks : nil }, state.generation)
        }
        if let cached { return cached }
        let hooks = try await store.webhooks(of: project)
        subscriptions.withLock {
            // A forget meanwhile (a webhook or the project deleted) makes this read stale: used once, not kept.
            guard $0.generation == generation else { return }
            if $0.hooks.count > 10_000 { $0.hooks.removeAll() }
            $0.hooks[project] = (hooks, now + .seconds(5))
        }
        return hooks
    }

    /// `sha256=<hex>` of HMAC-SHA256 over the exact body.
    public static func signature(_ payload: String, secret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data(payload.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + code.map { String(format: "%02x", $0) }.joined()
    }

    /// The JSON body: the event, with times in RFC 3339.
    static func payload(_ event: RegistryEvent) -> String {
        var object: [String: Any] = [
            "id": event.id, "type": event.kind.rawValue,
            "occurred_at": ISO8601DateFormatter().string(from: event.time),
            "actor": ["name": event.actor ?? NSNull(), "kind": event.actorKind] as [String: Any],
        ]
        for (key, value) in [("project", event.project), ("repository", event.repository), ("digest", event.digest),
                             ("tag", event.tag), ("detail", event.detail)] {
            if let value { object[key] = value }
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
