import BerthMetadata
import Foundation
import NIOHTTP1
import OCI
import Testing

@Suite("Management API: users, projects, members")
struct ManagementAPITests {
    static func json(_ object: [String: Any]) -> [UInt8] { Content.json(object) }
    static let admin = AuthTests.basic("admin", AuthTests.adminPassword)
    static let jsonType = ("Content-Type", "application/json")

    @Test func theShapesScriptsRelyOn() async throws {
        let (registry, _) = try await AuthTests.start()
        // Projects, users and members as the issue writes them.
        let project = try await registry.request(.POST, "/api/v1/projects", headers: [Self.admin, Self.jsonType], body: Self.json(["name": "acme", "public": false]))
        #expect(project.status == 201)
        let user = try await registry.request(
            .POST, "/api/v1/users", headers: [Self.admin, Self.jsonType],
            body: Self.json(["name": "alice", "password": "alice-password", "email": "alice@example.test", "admin": false]))
        #expect(user.status == 201)
        #expect(try user.json()["name"] as? String == "alice")
        #expect(user.text.contains("password") == false)
        let member = try await registry.request(
            .POST, "/api/v1/projects/acme/members", headers: [Self.admin, Self.jsonType], body: Self.json(["user": "alice", "role": "developer"]))
        #expect(member.status == 201)

        let alice = AuthTests.basic("alice", "alice-password")
        try await registry.pushImage("acme/app", tag: "1.0", headers: [alice])
        #expect(try await registry.request(.DELETE, "/v2/acme/app/manifests/1.0", headers: [alice]).status == 403)
        let me = try await registry.request(.GET, "/api/v1/me", headers: [alice])
        #expect(try me.json()["name"] as? String == "alice")
        #expect(try me.json()["admin"] as? Bool == false)

        // Promote to maintainer: now deleting is allowed.
        let promoted = try await registry.request(
            .PUT, "/api/v1/projects/acme/members/alice", headers: [Self.admin, Self.jsonType], body: Self.json(["role": "maintainer"]))
        #expect(promoted.status == 200)
        #expect(try await registry.request(.DELETE, "/v2/acme/app/manifests/1.0", headers: [alice]).status == 202)
        let members = try await registry.request(.GET, "/api/v1/projects/acme/members", headers: [alice])
        #expect(members.text.contains("\"role\":\"maintainer\""))
        try await registry.stop()
    }

    @Test func refusalsAndLifecycle() async throws {
        let (registry, _) = try await AuthTests.start()
        let unauthenticated = try await registry.request(.GET, "/api/v1/users")
        #expect(unauthenticated.status == 401)
        #expect(unauthenticated.header("WWW-Authenticate") == "Basic realm=\"berth\"")
        let dev = AuthTests.basic("dev")
        #expect(try await registry.request(.GET, "/api/v1/users", headers: [dev]).status == 403)
        #expect(try await registry.request(.POST, "/api/v1/projects", headers: [dev, Self.jsonType], body: Self.json(["name": "mine"])).status == 403)
        let duplicate = try await registry.request(
            .POST, "/api/v1/users", headers: [Self.admin, Self.jsonType], body: Self.json(["name": "dev", "password": "12345678"]))
        #expect(duplicate.status == 409)
        let badName = try await registry.request(
            .POST, "/api/v1/users", headers: [Self.admin, Self.jsonType], body: Self.json(["name": "Bad Name", "password": "12345678"]))
        #expect(badName.status == 400)
        let badBody = try await registry.request(.POST, "/api/v1/projects", headers: [Self.admin, Self.jsonType], body: Array("{".utf8))
        #expect(badBody.status == 400)

        // A user changes their own password; the old one stops working.
        let changed = try await registry.request(
            .PATCH, "/api/v1/users/dev", headers: [dev, Self.jsonType], body: Self.json(["password": "a-new-password"]))
        #expect(changed.status == 200)
        #expect(try await registry.request(.GET, "/api/v1/me", headers: [dev]).status == 401)
        let newDev = AuthTests.basic("dev", "a-new-password")
        #expect(try await registry.request(.GET, "/api/v1/me", headers: [newDev]).status == 200)
        // …but cannot make themselves admin.
        #expect(try await registry.request(.PATCH, "/api/v1/users/dev", headers: [newDev, Self.jsonType], body: Self.json(["admin": true])).status == 403)
        // Disabled users are refused everywhere.
        #expect(try await registry.request(.PATCH, "/api/v1/users/dev", headers: [Self.admin, Self.jsonType], body: Self.json(["disabled": true])).status == 200)
        #expect(try await registry.request(.GET, "/v2/team/app/tags/list", headers: [newDev]).status == 401)

        // Visibility and deletion of projects.
        #expect(try await registry.request(.GET, "/api/v1/projects/team", headers: [AuthTests.basic("outsider")]).status == 404)
        #expect(try await registry.request(.PATCH, "/api/v1/projects/team", headers: [Self.admin, Self.jsonType], body: Self.json(["public": true])).status == 200)
        #expect(try await registry.request(.GET, "/api/v1/projects/team", headers: [AuthTests.basic("outsider")]).status == 200)
        try await registry.pushImage("team/app", tag: "v1", headers: [Self.admin])
        let full = try await registry.request(.DELETE, "/api/v1/projects/team", headers: [Self.admin])
        #expect(full.status == 409 && full.text.contains("team/app"))
        #expect(try await registry.request(.DELETE, "/api/v1/projects/open", headers: [Self.admin]).status == 204)
        #expect(try await registry.request(.DELETE, "/api/v1/users/outsider", headers: [Self.admin]).status == 204)
        #expect(try await registry.request(.DELETE, "/api/v1/users/outsider", headers: [Self.admin]).status == 404)
        try await registry.stop()
    }

    @Test func usersMayCreateProjectsWhenConfigured() async throws {
        let registry = try await TestRegistry.start {
            $0.auth = "token"
            $0.adminPassword = AuthTests.adminPassword
            $0.passwordCost = 4
            $0.usersCreateProjects = true
        }
        _ = try await registry.request(
            .POST, "/api/v1/users", headers: [Self.admin, Self.jsonType], body: Self.json(["name": "carol", "password": "carol-password"]))
        let carol = AuthTests.basic("carol", "carol-password")
        #expect(try await registry.request(.POST, "/api/v1/projects", headers: [carol, Self.jsonType], body: Self.json(["name": "carols"])).status == 201)
        // The creator administers it and can push.
        try await registry.pushImage("carols/app", tag: "1", headers: [carol])
        let members = try await registry.request(.GET, "/api/v1/projects/carols/members", headers: [carol])
        #expect(members.text.contains("projectadmin"))
        try await registry.stop()
    }
}

@Suite("The OpenAPI document")
struct OpenAPITests {
    @Test func describesEveryRouteAndValidates() async throws {
        let (registry, _) = try await AuthTests.start()
        let response = try await registry.request(.GET, "/api/v1/openapi.json")
        #expect(response.status == 200)
        let document = try response.json()
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        // The routes come from the router itself: one added without a line
        // in the document fails here, and so does a documented one that is gone.
        var registered: [String: Set<String>] = [:]
        for route in registry.server.registeredRoutes where route.path.hasPrefix("/api/v1/") && route.path != "/api/v1/openapi.json" {
            registered[route.path, default: []].insert(route.method.lowercased())
        }
        #expect(registered.count > 20)
        #expect(Set(registered.keys) == Set(paths.keys), "undocumented: \(Set(registered.keys).subtracting(paths.keys)); gone: \(Set(paths.keys).subtracting(registered.keys))")
        for (path, methods) in registered {
            #expect(Set(paths[path]?.keys.map { $0 } ?? []) == methods, "\(path)")
        }
        try await registry.stop()
    }

    /// openapi-spec-validator (from PyPI; `.ci/run` installs it): skipped,
    /// with the reason, where it is missing, never passed silently.
    @Test(.enabled(if: OpenAPIValidator.installed || ProcessInfo.processInfo.environment["CI"] != nil, "openapi-spec-validator is not installed"))
    func documentValidates() async throws {
        let (registry, _) = try await AuthTests.start()
        let response = try await registry.request(.GET, "/api/v1/openapi.json")
        let file = TestRegistry.temporaryFolder() + "/openapi.json"
        try Data(response.body).write(to: URL(fileURLWithPath: file))
        let check = try await runCommand(["python3", "-c", "import json,sys; from openapi_spec_validator import validate; validate(json.load(open(sys.argv[1]))); print('valid')", file])
        #expect(check.status == 0 && check.output.contains("valid"), "\(check.output)")
        try await registry.stop()
    }
}

enum OpenAPIValidator {
    static var installed: Bool { (try? runCommandSync(["python3", "-c", "import openapi_spec_validator"])) == 0 }
}

@Suite("Project storage, counted once per blob")
struct ProjectStorageTests {
    @Test func sharedBlobsCountOnce() async throws {
        let (registry, accounts) = try await AuthTests.start()
        try await accounts.createProject(Project(name: "team0", isPublic: false))  // sorts right after "team/"
        let admin = ManagementAPITests.admin
        let shared = Content.randomBytes(1000)
        try await registry.pushBlob("team/a", shared, headers: [admin])
        try await registry.pushBlob("team/b/c", shared, headers: [admin])
        try await registry.pushBlob("team/a", Content.randomBytes(234), headers: [admin])
        try await registry.pushBlob("team0/x", Content.randomBytes(5000), headers: [admin])
        let project = try await registry.request(.GET, "/api/v1/projects/team", headers: [admin])
        #expect(try project.json()["storage_bytes"] as? Int == 1234)
        let other = try await registry.request(.GET, "/api/v1/projects/team0", headers: [admin])
        #expect(try other.json()["storage_bytes"] as? Int == 5000)
        try await registry.stop()
    }
}
