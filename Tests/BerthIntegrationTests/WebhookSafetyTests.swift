import BerthMetadata
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import Testing

/// Webhooks cannot be turned on the registry's own network (issue
/// "Hardening"): no internal targets unless `webhook_allow_private`, no
/// redirects followed; finished deliveries expire; a deleted project's
/// webhooks get nothing more.
@Suite("Webhook safety")
struct WebhookSafetyTests {
    static let json = ("Content-Type", "application/json")
    static let admin = AuthTests.basic("admin")

    static func create(_ registry: TestRegistry, _ url: String, project: String = "team") async throws -> TestResponse {
        try await registry.request(
            .POST, "/api/v1/projects/\(project)/webhooks", headers: [admin, json], body: Content.json(["url": url]))
    }

    static func deliveries(_ registry: TestRegistry, _ id: String, project: String = "team") async throws -> [[String: Any]] {
        let listed = try await registry.request(.GET, "/api/v1/projects/\(project)/webhooks/\(id)/deliveries", headers: [admin])
        guard listed.status == 200 else { throw TestFailure("deliveries answered \(listed.status): \(listed.text)") }
        return (try JSONSerialization.jsonObject(with: Data(listed.body)) as? [[String: Any]]) ?? []
    }

    /// Polls the deliveries of webhook `id` until `condition` holds (at most `seconds`).
    static func deliveries(
        _ registry: TestRegistry, _ id: String, project: String = "team", seconds: Double = 15,
        until condition: ([[String: Any]]) -> Bool
    ) async throws -> [[String: Any]] {
        let deadline = ContinuousClock.now + .seconds(seconds)
        var last: [[String: Any]] = []
        while ContinuousClock.now < deadline {
            last = try await deliveries(registry, id, project: project)
            if condition(last) { return last }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("deliveries of \(id): condition not met in \(seconds) s; got \(last)")
    }

    @Test func internalTargetsAreRefusedAtCreation() async throws {
        let receiver = try await WebhookReceiver.start(failures: 0)
        let (registry, _) = try await AuthTests.start()  // webhook_allow_private: false, the default
        let port = receiver.port
        for (url, rule) in [
            ("http://127.0.0.1:\(port)/hook", "loopback"),
            ("http://169.254.169.254/latest/meta-data/", "link-local"),
            ("http://[::1]:\(port)/hook", "loopback"),
            ("http://localhost:\(port)/hook", "loopback"),  // a name resolving to loopback
            ("http://127.1:\(port)/hook", "loopback"),  // getaddrinfo's shorthand
            ("http://2130706433:\(port)/hook", "loopback"),  // 127.0.0.1 as one number
            ("http://0.0.0.0:\(port)/hook", "unspecified"),
            ("http://[::]:\(port)/hook", "unspecified"),
            ("http://10.0.0.7/hook", "private"),
            ("http://172.20.1.1/hook", "private"),
            ("http://192.168.1.1/hook", "private"),
            ("http://[fd00::1]/hook", "private"),
            ("http://[fe80::1]/hook", "link-local"),
            ("http://[::ffff:127.0.0.1]:\(port)/hook", "IPv4-mapped"),
            ("http://[::ffff:169.254.169.254]/hook", "link-local"),
        ] {
            let refused = try await Self.create(registry, url)
            #expect(refused.status == 400, "\(url): \(refused.status) \(refused.text)")
            #expect(refused.text.contains(rule) && refused.text.contains("webhook_allow_private"), "\(url): \(refused.text)")
        }
        #expect(try await Self.create(registry, "file:///etc/passwd").status == 400)
        // Public addresses are fine (nothing is sent at creation).
        #expect(try await Self.create(registry, "https://93.184.215.14/hook").status == 201)
        let listed = try await registry.request(.GET, "/api/v1/projects/team/webhooks", headers: [Self.admin])
        #expect((try JSONSerialization.jsonObject(with: Data(listed.body)) as? [Any])?.count == 1)
        try await registry.pushImage("team/app", tag: "v1", headers: [Self.admin])
        try await Task.sleep(for: .milliseconds(600))
        #expect(receiver.requests.isEmpty)
        try await registry.stop()
        try await receiver.stop()
    }

    /// A webhook stored before this check existed (or added by a node that
    /// allows private targets) is checked again before each delivery: the
    /// name is resolved, found to be loopback, and nothing is sent.
    @Test func internalTargetsAreRefusedAtDelivery() async throws {
        let receiver = try await WebhookReceiver.start(failures: 0)
        let (registry, _) = try await AuthTests.start()
        let stores = try await SQLStores.open(backend: TestBackends.openBackend(registry.dataFolder))
        let store = stores.webhooks
        for (id, url) in [("byname", "http://localhost:\(receiver.port)/hook"), ("byaddress", receiver.url)] {
            try await store.addWebhook(Webhook(
                id: id, project: "team", url: url, secret: "a-shared-secret-of-32-characters", events: ["artifact.pushed"]))
        }
        try await stores.close()
        try await registry.pushImage("team/app", tag: "v1", headers: [Self.admin])
        for id in ["byname", "byaddress"] {
            let listed = try await Self.deliveries(registry, id) { $0.first?["status"] as? String == "failed" }
            let delivery = try #require(listed.first)
            #expect(delivery["attempts"] as? Int == 1, "refused at once, not retried")
            #expect(delivery["last_status_code"] == nil || delivery["last_status_code"] is NSNull)
            let error = delivery["last_error"] as? String ?? ""
            #expect(error.contains("refused") && error.contains("loopback"), "\(error)")
        }
        try await Task.sleep(for: .milliseconds(300))
        #expect(receiver.requests.isEmpty, "the receiver on loopback got nothing")
        #expect(try await registry.request(.GET, "/metrics").text.contains("berth_webhook_deliveries_total{outcome=\"refused\"} 2"))
        try await registry.stop()
        try await receiver.stop()
    }

    @Test func redirectsAreNotFollowed() async throws {
        let target = try await RecordingServer.start()
        let (registry, _) = try await AuthTests.start {
            $0.webhookAllowPrivate = true
            $0.webhookMaxAttempts = 1
        }
        let created = try await Self.create(registry, "http://127.0.0.1:\(target.port)/redirect")
        #expect(created.status == 201, "allowed with webhook_allow_private: \(created.text)")
        let id = try #require(try created.json()["id"] as? String)
        try await registry.pushImage("team/app", tag: "v1", headers: [Self.admin])
        let listed = try await Self.deliveries(registry, id) { $0.first?["status"] as? String == "failed" }
        #expect(listed.first?["last_status_code"] as? Int == 302)
        #expect((listed.first?["last_error"] as? String)?.contains("redirect") == true)
        try await Task.sleep(for: .milliseconds(500))
        #expect(target.paths.filter { $0 == "/redirect" }.count == 1)
        #expect(!target.paths.contains("/elsewhere"), "the redirect was not followed: \(target.paths)")
        try await registry.stop()
        try await target.stop()
    }

    @Test func finishedDeliveriesExpire() async throws {
        let good = try await WebhookReceiver.start(failures: 0)
        let failing = try await WebhookReceiver.start(failures: 1000)
        let (registry, _) = try await AuthTests.start {
            $0.webhookAllowPrivate = true
            $0.webhookRetention = 1
            $0.webhookRetryBase = 3600  // the failing one stays pending
        }
        let delivered = try #require(try await Self.create(registry, good.url).json()["id"] as? String)
        let pending = try #require(try await Self.create(registry, failing.url).json()["id"] as? String)
        try await registry.pushImage("team/app", tag: "v1", headers: [Self.admin])
        _ = try await good.wait { !$0.isEmpty }
        _ = try await failing.wait { !$0.isEmpty }
        _ = try await Self.deliveries(registry, pending) { $0.first?["attempts"] as? Int == 1 }
        // Delivered, then gone once older than the retention; the pending one stays.
        _ = try await Self.deliveries(registry, delivered) { $0.isEmpty }
        try await Task.sleep(for: .seconds(2))
        let still = try await Self.deliveries(registry, pending)
        #expect(still.count == 1 && still.first?["status"] as? String == "pending", "\(still)")
        #expect(try await Self.deliveries(registry, delivered).isEmpty)
        try await registry.stop()
        try await good.stop()
        try await failing.stop()
    }

    /// Deletes what `gone` holds (projects refuse deletion while they hold manifests).
    static func empty(_ registry: TestRegistry, _ digest: some CustomStringConvertible) async throws {
        #expect(try await registry.request(.DELETE, "/v2/gone/app/manifests/\(digest)", headers: [admin]).status == 202)
    }

    @Test func aDeletedProjectsWebhooksGetNothing() async throws {
        let old = try await WebhookReceiver.start(failures: 0)
        let new = try await WebhookReceiver.start(failures: 0)
        let (registry, _) = try await AuthTests.start { $0.webhookAllowPrivate = true }
        let create = Content.json(["name": "gone", "public": true])
        #expect(try await registry.request(.POST, "/api/v1/projects", headers: [Self.admin, Self.json], body: create).status == 201)
        #expect(try await Self.create(registry, old.url, project: "gone").status == 201)
        let (_, digest) = try await registry.pushImage("gone/app", tag: "v1", headers: [Self.admin])
        _ = try await registry.request(.GET, "/v2/gone/app/manifests/v1", headers: [Self.admin])
        _ = try await old.wait { $0.contains { $0.body.contains("artifact.pulled") } }
        try await Self.empty(registry, digest)
        #expect(try await registry.request(.DELETE, "/api/v1/projects/gone", headers: [Self.admin]).status == 204)
        try await Task.sleep(for: .milliseconds(500))
        let before = old.requests.count

        // The same name again, with a webhook of its own: it hears the new project, the old one nothing.
        #expect(try await registry.request(.POST, "/api/v1/projects", headers: [Self.admin, Self.json], body: create).status == 201)
        #expect(try await Self.create(registry, new.url, project: "gone").status == 201)
        try await registry.pushImage("gone/app", tag: "v2", headers: [Self.admin])
        _ = try await registry.request(.GET, "/v2/gone/app/manifests/v2", headers: [Self.admin])
        _ = try await new.wait { received in
            received.contains { $0.body.contains("artifact.pushed") } && received.contains { $0.body.contains("artifact.pulled") }
        }
        try await Task.sleep(for: .milliseconds(500))
        #expect(old.requests.count == before, "the old project's receiver got \(old.requests.dropFirst(before).map(\.body))")
        #expect(!new.requests.contains { $0.body.contains("\"tag\":\"v1\"") }, "nothing of the old project reaches the new webhook")
        try await registry.stop()
        try await old.stop()
        try await new.stop()
    }

    /// `berth project delete` runs in another process: the server learns
    /// of it only from the database. Its remembered subscriptions queue
    /// nothing for the deleted webhook.
    @Test func aProjectDeletedByAnotherProcessQueuesNothing() async throws {
        let old = try await WebhookReceiver.start(failures: 0)
        let (registry, accounts) = try await AuthTests.start { $0.webhookAllowPrivate = true }
        try await accounts.createProject(Project(name: "gone", isPublic: true))
        #expect(try await Self.create(registry, old.url, project: "gone").status == 201)
        let (_, digest) = try await registry.pushImage("gone/app", tag: "v1", headers: [Self.admin])
        _ = try await old.wait { $0.contains { $0.body.contains("artifact.pushed") } }
        try await Self.empty(registry, digest)
        _ = try await old.wait { $0.contains { $0.body.contains("artifact.deleted") } }
        let before = old.requests.count
        #expect(try await accounts.deleteProject(named: "gone"))
        try await accounts.createProject(Project(name: "gone", isPublic: true))
        try await registry.pushImage("gone/app", tag: "v2", headers: [Self.admin])
        for _ in 0..<3 { _ = try await registry.request(.GET, "/v2/gone/app/manifests/v2", headers: [Self.admin]) }
        try await Task.sleep(for: .seconds(1))
        #expect(old.requests.count == before)
        let backend = try await TestBackends.openBackend(registry.dataFolder)
        let orphans = try await backend.read { db in
            try db.rows(
                "SELECT COUNT(*) AS n FROM webhook_deliveries d WHERE NOT EXISTS (SELECT 1 FROM webhooks w WHERE w.id = d.webhook)", [])
                .first?.columns["n"]
        }
        #expect(orphans == .integer(0), "deliveries queued for the deleted webhook: \(String(describing: orphans))")
        try await backend.close()
        try await registry.stop()
        try await old.stop()
    }
}

/// A loopback HTTP server that records every request's path, answering
/// `/redirect` with a 302 to `/elsewhere` on itself and anything else 200.
final class RecordingServer: Sendable {
    private final class Recorder: Sendable {
        let paths = Mutex<[String]>([])
        let port = Mutex(0)
    }

    let port: Int
    private let recorder: Recorder
    private let group: ServiceGroup
    private let running: Task<Void, any Error>

    var paths: [String] { recorder.paths.withLock { $0 } }

    private init(port: Int, recorder: Recorder, group: ServiceGroup, running: Task<Void, any Error>) {
        self.port = port
        self.recorder = recorder
        self.group = group
        self.running = running
    }

    static func start() async throws -> RecordingServer {
        let recorder = Recorder()
        let router = Router()
        @Sendable func redirect(_ request: Request, _: BasicRequestContext) -> Response {
            recorder.paths.withLock { $0.append(request.uri.path) }
            let port = recorder.port.withLock { $0 }
            return Response(status: .found, headers: [.location: "http://127.0.0.1:\(port)/elsewhere"])
        }
        @Sendable func elsewhere(_ request: Request, _: BasicRequestContext) -> Response {
            recorder.paths.withLock { $0.append(request.uri.path) }
            return Response(status: .ok)
        }
        // Whatever method a follower would use (a 302 turns a POST into a GET).
        router.post("/redirect", use: redirect)
        router.get("/redirect", use: redirect)
        router.post("/elsewhere", use: elsewhere)
        router.get("/elsewhere", use: elsewhere)
        let (port, group, running) = try await LoopbackServer.start(router)
        recorder.port.withLock { $0 = port }
        return RecordingServer(port: port, recorder: recorder, group: group, running: running)
    }

    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await running.value
    }
}
