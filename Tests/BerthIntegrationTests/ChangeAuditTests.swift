import BerthAuth
import BerthMetadata
import Foundation
import NIOHTTP1
import Testing

/// The management services audit the changes they make: every change
/// through `/api/v1` that succeeds is one `settings.changed` entry naming
/// what changed, and a refused one is an `access.denied` entry only.
@Suite("Changes are audited once")
struct ChangeAuditTests {
    @Test func everySuccessfulChangeIsOneEntry() async throws {
        let (registry, accounts) = try await AuthTests.start()
        let hasher = PasswordHasher(cost: 4)
        for name in ["extra", "throwaway"] {
            try await accounts.createUser(User(name: name, email: "", passwordHash: hasher.hash("\(name)-pw"), isAdmin: false))
        }
        try await accounts.createRobot(Robot(
            name: "robot$team+spare", project: "team", secretHash: hasher.hash("spare-secret"), permissions: ["team": ["pull"]],
            expiresAt: nil))
        try await registry.pushImage("team/app", tag: "v1", headers: [AuthTests.basic("admin")])

        // Refused: audited as denied, not as changed.
        let refused = try await registry.request(
            .PATCH, "/api/v1/projects/team", headers: [AuthTests.basic("dev"), ManagementAPITests.jsonType],
            body: Content.json(["public": true]))
        #expect(refused.status == 403)

        var changed: [String] = []
        for route in registry.server.declaredManagementAccess where route.method != .get {
            let values = ["name": route.path.hasPrefix("/api/v1/users/") ? "throwaway" : "team", "user": "extra", "robot": "spare", "id": "nope"]
            var path = route.path
            for (name, value) in values { path = path.replacingOccurrences(of: "{\(name)}", with: value) }
            let body = RouteAccessTests.body(route.method.rawValue, route.path).map(Content.json)
            let response = try await registry.request(
                HTTPMethod(rawValue: route.method.rawValue), path,
                headers: [AuthTests.basic("admin")] + (body == nil ? [] : [ManagementAPITests.jsonType]), body: body)
            #expect(response.status < 500, "\(route.method) \(path): \(response.status)")
            if (200..<300).contains(response.status) { changed.append(String(path.dropFirst("/api/v1/".count))) }
        }
        #expect(changed.count > 10, "\(changed)")

        let entries = try await settingsChanged(registry, atLeast: changed.count)
        #expect(entries.count == changed.count, "\(entries.map { $0["detail"] ?? "" }) for \(changed)")
        for entry in entries {
            #expect(entry["actor"] as? String == "admin" && entry["source"] as? String == "127.0.0.1" && entry["result"] as? String == "success")
        }
        let details = entries.compactMap { $0["detail"] as? String }
        #expect(details.contains("changed projects/team/members/extra") && details.contains("deleted users/throwaway"), "\(details)")
        #expect(entries.contains { $0["detail"] as? String == "changed projects/team" && $0["project"] as? String == "team" })
        try await registry.stop()
    }

    /// The `settings.changed` entries, once there are `count`, and after a
    /// moment more, so that an entry recorded twice shows.
    func settingsChanged(_ registry: TestRegistry, atLeast count: Int) async throws -> [[String: Any]] {
        let deadline = ContinuousClock.now + .seconds(10)
        var entries: [[String: Any]] = []
        while entries.count < count, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            let response = try await registry.request(
                .GET, "/api/v1/audit?action=settings.changed&limit=1000", headers: [AuthTests.basic("admin")])
            entries = (try response.json()["entries"] as? [[String: Any]]) ?? []
        }
        try await Task.sleep(for: .milliseconds(500))
        let response = try await registry.request(.GET, "/api/v1/audit?action=settings.changed&limit=1000", headers: [AuthTests.basic("admin")])
        return (try response.json()["entries"] as? [[String: Any]]) ?? []
    }
}
