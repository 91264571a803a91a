import BerthAuth
import BerthMetadata
import Foundation
import NIOHTTP1
import OCI
import Testing

@Suite("Robot accounts for CI")
struct RobotTests {
    static let admin = ManagementAPITests.admin
    static let jsonType = ManagementAPITests.jsonType

    @Test func projectRobotIsLimitedToItsProjectAndPermissions() async throws {
        let (registry, accounts) = try await AuthTests.start()
        let created = try await registry.request(
            .POST, "/api/v1/projects/team/robots", headers: [Self.admin, Self.jsonType],
            body: Content.json(["name": "ci", "permissions": ["pull", "push"], "expires_in_days": 30]))
        #expect(created.status == 201)
        let body = try created.json()
        #expect(body["name"] as? String == "robot$team+ci")
        let secret = try #require(body["secret"] as? String)
        let robot = AuthTests.basic("robot$team+ci", secret)

        try await registry.pushImage("team/app", tag: "1", headers: [robot])
        #expect(try await registry.request(.DELETE, "/v2/team/app/manifests/1", headers: [robot]).status == 403)
        #expect(try await registry.request(.POST, "/v2/open/app/blobs/uploads/", headers: [robot]).status == 403)
        // The token dance with robot credentials, as CI does it.
        let tokenResponse = try await registry.request(
            .GET, "/service/token?service=berth&scope=repository:team/app:pull,push,delete", headers: [robot])
        let granted = try AuthTests.grantedActions(try #require(try tokenResponse.json()["token"] as? String))
        #expect(granted == ["pull", "push"])
        // The listing never shows secrets.
        let listed = try await registry.request(.GET, "/api/v1/projects/team/robots", headers: [Self.admin])
        #expect(listed.text.contains("robot$team+ci"))
        #expect(!listed.text.contains(secret))
        #expect(try await registry.request(.GET, "/api/v1/projects/team/robots", headers: [AuthTests.basic("dev")]).status == 403)

        // Disabled: refused. Regenerated: only the new secret works.
        #expect(try await registry.request(.PATCH, "/api/v1/projects/team/robots/ci", headers: [Self.admin, Self.jsonType], body: Content.json(["disabled": true])).status == 200)
        #expect(try await registry.request(.GET, "/v2/team/app/tags/list", headers: [robot]).status == 401)
        _ = try await registry.request(.PATCH, "/api/v1/projects/team/robots/ci", headers: [Self.admin, Self.jsonType], body: Content.json(["disabled": false]))
        let regenerated = try await registry.request(.POST, "/api/v1/projects/team/robots/ci/secret", headers: [Self.admin])
        let newSecret = try #require(try regenerated.json()["secret"] as? String)
        #expect(try await registry.request(.GET, "/v2/team/app/tags/list", headers: [robot]).status == 401)
        #expect(try await registry.request(.GET, "/v2/team/app/tags/list", headers: [AuthTests.basic("robot$team+ci", newSecret)]).status == 200)

        // Expired: refused.
        let hasher = PasswordHasher(cost: 4)
        try await accounts.createRobot(Robot(
            name: "robot$team+old", project: "team", secretHash: hasher.hash("old-secret"), permissions: ["team": ["pull"]],
            expiresAt: Date().addingTimeInterval(-60)))
        #expect(try await registry.request(.GET, "/v2/team/app/tags/list", headers: [AuthTests.basic("robot$team+old", "old-secret")]).status == 401)
        #expect(try await registry.request(.DELETE, "/api/v1/projects/team/robots/ci", headers: [Self.admin]).status == 204)
        #expect(try await registry.request(.GET, "/v2/team/app/tags/list", headers: [AuthTests.basic("robot$team+ci", newSecret)]).status == 401)
        try await registry.stop()
    }

    @Test func systemRobotSpansChosenProjects() async throws {
        let (registry, _) = try await AuthTests.start()
        let created = try await registry.request(
            .POST, "/api/v1/robots", headers: [Self.admin, Self.jsonType],
            body: Content.json(["name": "deployer", "projects": ["team": ["pull"], "open": ["pull", "push"]]]))
        #expect(created.status == 201)
        let robot = AuthTests.basic("robot$deployer", try #require(try created.json()["secret"] as? String))
        try await registry.pushImage("open/app", tag: "1", headers: [robot])
        #expect(try await registry.request(.POST, "/v2/team/app/blobs/uploads/", headers: [robot]).status == 403)
        #expect(try await registry.request(.GET, "/v2/team/app/tags/list", headers: [robot]).errorCodes == ["NAME_UNKNOWN"])
        let bad = try await registry.request(
            .POST, "/api/v1/robots", headers: [Self.admin, Self.jsonType], body: Content.json(["name": "x", "projects": ["nope": ["pull"]]]))
        #expect(bad.status == 404)
        let badAction = try await registry.request(
            .POST, "/api/v1/projects/team/robots", headers: [Self.admin, Self.jsonType], body: Content.json(["name": "y", "permissions": ["fly"]]))
        #expect(badAction.status == 400)
        #expect(try await registry.request(.POST, "/api/v1/robots", headers: [AuthTests.basic("dev"), Self.jsonType], body: Content.json(["name": "z"])).status == 403)
        try await registry.stop()
    }
}
