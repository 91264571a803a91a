import Foundation
import Testing

/// The durable event outbox (issue 10): a change's events are committed
/// with the change, so none is lost when the process dies right after
/// answering; consumers take them from their cursors after a restart.
@Suite("Event outbox")
struct EventOutboxTests {
    /// `berth serve` with token auth, loopback webhooks allowed, and the
    /// folder's backends.
    static func arguments(_ folder: String) async throws -> [String] {
        var config = try await TestBackends.configFile(folder)
        let path = config.last ?? folder + "/berth-test.yaml"
        let existing = (try? String(contentsOfFile: path, encoding: .utf8)).map { $0 + "\n" } ?? ""
        let yaml = existing + "webhook_allow_private: true\nadmin_password: \(AuthTests.adminPassword)\npassword_cost: 4\n"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        config = ["--config", path]
        return ["--auth", "token"] + config
    }

    @Test func aPushSurvivesSigkillRightAfterItsAnswer() async throws {
        let receiver = try await WebhookReceiver.start(failures: 0)
        let folder = TestRegistry.temporaryFolder()
        let arguments = try await Self.arguments(folder)
        let admin = AuthTests.basic("admin")
        let json = ("Content-Type", "application/json")

        let first = try await BerthProcess.start(dataFolder: folder, extraArguments: arguments)
        #expect(try await first.request(.POST, "/api/v1/projects", headers: [admin, json], body: Content.json(["name": "team"])).status == 201)
        let created = try await first.request(
            .POST, "/api/v1/projects/team/webhooks", headers: [admin, json],
            body: Content.json(["url": receiver.url, "events": ["artifact.pushed"]]))
        #expect(created.status == 201)
        let hook = try #require(try created.json()["id"] as? String)
        let (_, digest) = try await first.pushImage("team/app", tag: "1.0", headers: [admin])
        // The manifest's 201 came back: kill before the node's next event turn (200 ms).
        first.signal(SIGKILL)
        _ = try await first.waitForExit()

        let second = try await BerthProcess.start(dataFolder: folder, extraArguments: arguments)
        // Usually at once; but a node killed after claiming the delivery (and
        // before sending it) holds the claim for 60 s, then this node sends it.
        let received = try await receiver.wait(seconds: 100) { requests in
            requests.contains { $0.body.contains(digest.description) && $0.body.contains("artifact.pushed") }
        }
        #expect(received.filter { $0.body.contains(digest.description) }.count >= 1)
        // Queued once: one delivery for the one event, however the kill fell. (If
        // the first node had sent it already, it died holding the delivery's
        // claim, and the row stays pending until the claim lapses.)
        let listed = try await second.request(.GET, "/api/v1/projects/team/webhooks/\(hook)/deliveries", headers: [admin])
        let deliveries = (try JSONSerialization.jsonObject(with: Data(listed.body)) as? [[String: Any]]) ?? []
        #expect(deliveries.count == 1, "\(deliveries)")
        // The audit log has the push too, written from the same outbox entry.
        var audited = false
        for _ in 0..<100 where !audited {
            let audit = try await second.request(.GET, "/api/v1/audit?project=team&action=artifact.pushed", headers: [admin])
            audited = audit.text.contains(digest.description)
            if !audited { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(audited)
        await second.stop()
        try await receiver.stop()
    }
}
