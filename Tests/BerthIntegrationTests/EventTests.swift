@testable import BerthServer
import BerthRegistry
import Crypto
import Foundation
import NIOHTTP1
import OCI
import Testing

@Suite("Audit log and webhooks")
struct EventTests {
    static let json = ("Content-Type", "application/json")

    /// Audit entries are written within a fraction of a second; waits for `count` matching `query`.
    func audit(_ registry: TestRegistry, _ query: String, atLeast count: Int = 1, as user: String = "admin") async throws -> [[String: Any]] {
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            let response = try await registry.request(.GET, "/api/v1/audit?\(query)", headers: [AuthTests.basic(user)])
            let entries = (try response.json()["entries"] as? [[String: Any]]) ?? []
            if entries.count >= count || ContinuousClock.now > deadline { return entries }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    @Test func everyActionIsAuditedAndQueryable() async throws {
        let (registry, _) = try await AuthTests.start()
        let (dev, admin) = (AuthTests.basic("dev"), AuthTests.basic("admin"))
        let (first, firstDigest) = try await registry.pushImage("team/app", tag: "v1", headers: [dev])
        _ = first
        let (_, second) = try await registry.pushImage("team/app", tag: "v2", headers: [dev])
        let secondManifest = try await registry.request(.GET, "/v2/team/app/manifests/v2", headers: [dev]).body
        try await registry.pushManifest("team/app", "v1", secondManifest, headers: [dev])  // v1 moves
        #expect(try await registry.request(.DELETE, "/v2/team/app/manifests/v2", headers: [dev]).status == 403)  // dev may not delete
        #expect(try await registry.request(.DELETE, "/v2/team/app/manifests/v2", headers: [AuthTests.basic("maint")]).status == 202)
        #expect(try await registry.request(.GET, "/v2/team/app/tags/list", headers: [AuthTests.basic("dev", "wrong-password")]).status == 401)
        #expect(try await registry.request(
            .PUT, "/api/v1/projects/team/members/outsider", headers: [admin, Self.json], body: Content.json(["role": "guest"])).status == 200)

        let entries = try await audit(registry, "project=team&limit=1000", atLeast: 8)
        let actions = entries.compactMap { $0["action"] as? String }
        for action in ["artifact.pushed", "artifact.pulled", "tag.moved", "tag.deleted", "access.denied", "settings.changed"] {
            #expect(actions.contains(action), "\(action) in \(actions)")
        }
        let moved = try #require(entries.first { $0["action"] as? String == "tag.moved" })
        #expect(moved["actor"] as? String == "dev" && moved["actor_kind"] as? String == "user")
        #expect(moved["tag"] as? String == "v1" && moved["digest"] as? String == second.description)
        #expect((moved["detail"] as? String)?.contains(firstDigest.description) == true)
        #expect(moved["source"] as? String == "127.0.0.1")
        let denied = try #require(entries.first { $0["action"] as? String == "access.denied" })
        #expect(denied["result"] as? String == "failure" && denied["actor"] as? String == "dev")
        let member = try #require(entries.first { $0["action"] as? String == "settings.changed" })
        #expect((member["detail"] as? String)?.contains("/members/outsider") == true && member["actor"] as? String == "admin")

        // Login failures carry no project; administrators see them in the whole log.
        let failures = try await audit(registry, "action=login.failed")
        #expect(failures.first?["actor"] as? String == "dev" && failures.first?["result"] as? String == "failure")

        // Filters and pages.
        let pushes = try await audit(registry, "project=team&action=artifact.pushed&actor=dev", atLeast: 3)
        #expect(pushes.count == 3 && pushes.allSatisfy { $0["action"] as? String == "artifact.pushed" })
        let page = try await registry.request(.GET, "/api/v1/audit?project=team&limit=2", headers: [admin]).json()
        let next = try #require(page["next"] as? String)
        let older = try await registry.request(.GET, next, headers: [admin]).json()
        let pageIDs = Set(((page["entries"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String })
        let olderIDs = Set(((older["entries"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String })
        #expect(pageIDs.count == 2 && olderIDs.count == 2 && pageIDs.isDisjoint(with: olderIDs))
        #expect(try await audit(registry, "project=team&since=2100-01-01T00:00:00Z", atLeast: 0).isEmpty)
        #expect(try await registry.request(.GET, "/api/v1/audit?since=yesterday", headers: [admin]).status == 400)
        // Only administrators read everything; others need a project they administer.
        #expect(try await registry.request(.GET, "/api/v1/audit", headers: [dev]).status == 403)
        #expect(try await registry.request(.GET, "/api/v1/audit?project=team", headers: [AuthTests.basic("maint")]).status == 403)
        try await registry.stop()
    }

    @Test func pullsCanBeLeftOutOfTheAudit() async throws {
        let (registry, _) = try await AuthTests.start { $0.auditPulls = false }
        let dev = AuthTests.basic("dev")
        let (_, digest) = try await registry.pushImage("team/app", tag: "v1", headers: [dev])
        #expect(try await registry.request(.GET, "/v2/team/app/manifests/v1", headers: [dev]).status == 200)
        // A push after the pull: once its entry is in, the pull's would be too.
        try await registry.pushImage("team/app", tag: "v2", headers: [dev])
        let entries = try await audit(registry, "project=team&action=artifact.pushed", atLeast: 2)
        #expect(entries.count == 2)
        #expect(try await audit(registry, "project=team&action=artifact.pulled", atLeast: 0).isEmpty)
        // Retention still learns when the artifact was pulled (written within a second).
        var pulledAt: Date?
        let deadline = ContinuousClock.now + .seconds(10)
        while pulledAt == nil, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            pulledAt = try await registry.server.metadata.rules.artifacts(inProject: "team").first { $0.digest == digest }?.pulledAt
        }
        #expect(pulledAt != nil)
        try await registry.stop()
    }

    @Test func auditEntriesExpire() async throws {
        let (registry, _) = try await AuthTests.start { $0.auditRetention = 2 }
        try await registry.pushImage("team/app", tag: "v1", headers: [AuthTests.basic("dev")])
        #expect(try await !audit(registry, "project=team").isEmpty)
        let deadline = ContinuousClock.now + .seconds(10)
        var remaining = 1
        while remaining > 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(250))
            remaining = try await registry.request(.GET, "/api/v1/audit?project=team", headers: [AuthTests.basic("admin")])
                .json()["entries"].map { ($0 as? [Any])?.count ?? 0 } ?? 0
        }
        #expect(remaining == 0)
        try await registry.stop()
    }

    @Test func webhooksAreSignedRetriedAndRecorded() async throws {
        let receiver = try await WebhookReceiver.start(failures: 2)
        let (registry, _) = try await AuthTests.start {
            $0.webhookAllowPrivate = true  // the receiver is on loopback
            $0.webhookRetryBase = 0.2
            $0.webhookMaxAttempts = 5
        }
        let (admin, dev) = (AuthTests.basic("admin"), AuthTests.basic("dev"))
        // ProjectAdmins manage webhooks; a bad URL or event is refused.
        #expect(try await registry.request(.POST, "/api/v1/projects/team/webhooks", headers: [dev, Self.json], body: Content.json(["url": receiver.url])).status == 403)
        #expect(try await registry.request(.POST, "/api/v1/projects/team/webhooks", headers: [admin, Self.json], body: Content.json(["url": "ftp://x"])).status == 400)
        #expect(try await registry.request(.POST, "/api/v1/projects/team/webhooks", headers: [admin, Self.json], body: Content.json(["url": receiver.url, "events": ["nope"]])).status == 400)
        let created = try await registry.request(
            .POST, "/api/v1/projects/team/webhooks", headers: [admin, Self.json],
            body: Content.json(["url": receiver.url, "events": ["artifact.pushed", "tag.moved"], "secret": "a-shared-secret-of-32-characters"]))
        #expect(created.status == 201)
        let id = try #require(try created.json()["id"] as? String)
        #expect(try created.json()["secret"] as? String == "a-shared-secret-of-32-characters")
        #expect(try await registry.request(.GET, "/api/v1/projects/team/webhooks", headers: [admin]).text.contains("secret") == false)

        let (_, digest) = try await registry.pushImage("team/app", tag: "1.4.2-a1b2c3d", headers: [dev])
        // The push returned before the delivery that succeeds (the third attempt) could have been made.
        #expect(receiver.requests.count < 3, "the push does not wait for the receiver")
        // Two failures, then success: three attempts of one delivery.
        let received = try await receiver.wait { $0.count >= 3 }
        #expect(Set(received.map(\.body)).count == 1, "retries send the same body")
        let last = try #require(received.last)
        let payload = try #require(try JSONSerialization.jsonObject(with: Data(last.body.utf8)) as? [String: Any])
        #expect(payload["type"] as? String == "artifact.pushed")
        #expect(payload["repository"] as? String == "team/app" && payload["tag"] as? String == "1.4.2-a1b2c3d")
        #expect(payload["digest"] as? String == digest.description)
        #expect((payload["actor"] as? [String: Any])?["name"] as? String == "dev")
        let mac = HMAC<SHA256>.authenticationCode(for: Data(last.body.utf8), using: SymmetricKey(data: Data("a-shared-secret-of-32-characters".utf8)))
        #expect(last.headers["x-berth-signature-256"] == "sha256=" + mac.map { String(format: "%02x", $0) }.joined())
        #expect(last.headers["x-berth-event"] == "artifact.pushed")

        var deliveries: [[String: Any]] = []
        for _ in 0..<50 {
            let listed = try await registry.request(.GET, "/api/v1/projects/team/webhooks/\(id)/deliveries", headers: [admin])
            deliveries = (try JSONSerialization.jsonObject(with: Data(listed.body)) as? [[String: Any]]) ?? []
            if deliveries.first?["status"] as? String == "delivered" { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(deliveries.count == 1)
        #expect(deliveries.first?["status"] as? String == "delivered")
        #expect(deliveries.first?["attempts"] as? Int == 3)
        #expect(deliveries.first?["last_status_code"] as? Int == 200)

        // Pulls are not subscribed; a tag move is.
        _ = try await registry.request(.GET, "/v2/team/app/manifests/1.4.2-a1b2c3d", headers: [dev])
        let (other, _) = try await registry.pushImage("team/app", tag: "other", headers: [dev])
        try await registry.pushManifest("team/app", "1.4.2-a1b2c3d", other, headers: [dev])
        let later = try await receiver.wait { $0.contains { $0.body.contains("tag.moved") } }
        #expect(!later.contains { $0.body.contains("artifact.pulled") })
        let metrics = try await registry.request(.GET, "/metrics").text
        #expect(metrics.contains("berth_webhook_deliveries_total{outcome=\"retrying\"} 2"))
        #expect(try await registry.request(.DELETE, "/api/v1/projects/team/webhooks/\(id)", headers: [admin]).status == 204)
        try await registry.stop()
        try await receiver.stop()
    }

    @Test func deliveriesGiveUpAfterTheLastAttempt() async throws {
        let receiver = try await WebhookReceiver.start(failures: 100)
        let (registry, _) = try await AuthTests.start {
            $0.webhookAllowPrivate = true  // the receiver is on loopback
            $0.webhookRetryBase = 0.1
            $0.webhookMaxAttempts = 3
        }
        let admin = AuthTests.basic("admin")
        let created = try await registry.request(
            .POST, "/api/v1/projects/team/webhooks", headers: [admin, Self.json], body: Content.json(["url": receiver.url]))
        let id = try #require(try created.json()["id"] as? String)
        try await registry.pushImage("team/app", tag: "v1", headers: [admin])
        _ = try await receiver.wait { $0.count >= 3 }
        var status = ""
        for _ in 0..<50 where status != "failed" {
            try await Task.sleep(for: .milliseconds(100))
            let listed = try await registry.request(.GET, "/api/v1/projects/team/webhooks/\(id)/deliveries", headers: [admin])
            let deliveries = (try JSONSerialization.jsonObject(with: Data(listed.body)) as? [[String: Any]]) ?? []
            status = deliveries.first { $0["event"] as? String == "artifact.pushed" }?["status"] as? String ?? ""
        }
        #expect(status == "failed")
        try await Task.sleep(for: .milliseconds(500))
        #expect(receiver.requests.filter { $0.body.contains("artifact.pushed") }.count == 3, "no attempt after the last")
        try await registry.stop()
        try await receiver.stop()
    }
}
