import Foundation
import NIOHTTP1
import OCI
import Testing

@Suite("Tag rules: semver aliases, conventions, movable tags")
struct TagRulesTests {
    static let json = ("Content-Type", "application/json")
    static let admin = AuthTests.basic("admin")

    /// The digest each tag points at now (nil: no such tag).
    static func digest(_ registry: TestRegistry, _ repository: String, _ tag: String) async throws -> String? {
        let response = try await registry.request(.HEAD, "/v2/\(repository)/manifests/\(tag)", headers: [admin])
        return response.status == 200 ? response.header("Docker-Content-Digest") : nil
    }

    static func push(_ registry: TestRegistry, _ repository: String, _ tag: String, _ manifest: [UInt8]) async throws -> TestResponse {
        try await registry.request(
            .PUT, "/v2/\(repository)/manifests/\(tag)", headers: [admin, ("Content-Type", MediaType.ociManifest)], body: manifest)
    }

    @Test func aliasesMoveWithTheHighestReleaseAndConventionsRefuseWithTheirRule() async throws {
        let (registry, _) = try await AuthTests.start()
        let app = "team/app"
        let rules = Content.json([
            "semver_aliases": true, "latest_alias": true, "forbid_only": ["latest", "dev"],
            "allowed": ["semver", "sha", "glob:release-*"], "movable": ["latest", "aliases"],
        ])
        // Maintainers read the rules; only ProjectAdmins (and admins) replace them; a bad pattern is a 400.
        #expect(try await registry.request(.PUT, "/api/v1/projects/team/tag-rules", headers: [AuthTests.basic("maint"), Self.json], body: rules).status == 403)
        #expect(try await registry.request(.GET, "/api/v1/projects/team/tag-rules", headers: [AuthTests.basic("maint")]).status == 404)
        let bad = try await registry.request(
            .PUT, "/api/v1/projects/team/tag-rules", headers: [Self.admin, Self.json], body: Content.json(["allowed": ["semver", "nonsense"]]))
        #expect(bad.status == 400 && bad.text.contains("nonsense"))
        #expect(try await registry.request(
            .PUT, "/api/v1/projects/team/tag-rules", headers: [Self.admin, Self.json], body: Array("{\"semver_aliases\": 1}".utf8)).status == 400)
        #expect(try await registry.request(.PUT, "/api/v1/projects/team/tag-rules", headers: [Self.admin, Self.json], body: rules).status == 200)
        let stored = try await registry.request(.GET, "/api/v1/projects/team/tag-rules", headers: [AuthTests.basic("guest")])
        #expect(try stored.json()["movable"] as? [String] == ["latest", "aliases"])

        let (a, digestA) = try await registry.pushImage(app, tag: "1.4.2", headers: [Self.admin])
        for alias in ["1.4", "1", "latest"] { #expect(try await Self.digest(registry, app, alias) == digestA.description, "\(alias)") }
        // An older patch moves its own line only.
        let (_, digestB) = try await registry.pushImage(app, tag: "1.3.9", headers: [Self.admin])
        #expect(try await Self.digest(registry, app, "1.3") == digestB.description)
        for alias in ["1.4", "1", "latest"] { #expect(try await Self.digest(registry, app, alias) == digestA.description, "\(alias)") }
        // A pre-release moves nothing.
        _ = try await registry.pushImage(app, tag: "1.5.0-rc.1", headers: [Self.admin])
        #expect(try await Self.digest(registry, app, "1.5") == nil)
        #expect(try await Self.digest(registry, app, "latest") == digestA.description)
        // A v prefix keeps its own aliases; latest follows the highest of all.
        let (_, digestD) = try await registry.pushImage(app, tag: "v2.0.0", headers: [Self.admin])
        for alias in ["v2.0", "v2", "latest"] { #expect(try await Self.digest(registry, app, alias) == digestD.description, "\(alias)") }
        #expect(try await Self.digest(registry, app, "2") == nil)
        // Aliases are exempt from an immutability rule over every tag.
        #expect(try await registry.request(
            .POST, "/api/v1/projects/team/immutability-rules", headers: [Self.admin, Self.json],
            body: Content.json(["repository": "**", "tag": "*"])).status == 201)
        let (_, digestE) = try await registry.pushImage(app, tag: "1.4.3", headers: [Self.admin])
        for alias in ["1.4", "1"] { #expect(try await Self.digest(registry, app, alias) == digestE.description, "\(alias)") }
        #expect(try await Self.digest(registry, app, "latest") == digestD.description)

        // Each refusal is DENIED and names its rule.
        for (tag, rule) in [("latest", "forbid_only"), ("dev", "forbid_only"), ("feature-x", "allowed")] {
            let refused = try await Self.push(registry, app, tag, a)
            #expect(refused.status == 403 && refused.errorCodes == ["DENIED"] && refused.text.contains(rule), "\(tag): \(refused.text)")
        }
        for tag in ["release-7", "abc1234"] { #expect(try await Self.push(registry, app, tag, a).status == 201, "\(tag)") }
        // Tags named after a digest (cosign's signature scheme) are left alone.
        #expect(try await Self.push(registry, app, "sha256-\(String(repeating: "ab", count: 32)).sig", a).status == 201)

        // The audit log shows the moves, saying whose push moved them (the log is written from the outbox: bounded wait, 10 s).
        var audit = ""
        for _ in 0..<100 {
            audit = try await registry.request(.GET, "/api/v1/audit?action=tag.moved&limit=100", headers: [Self.admin]).text
            if audit.contains("alias of 1.4.3") { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(audit.contains("alias of 1.4.3"), "\(audit.prefix(500))")
        try await registry.stop()
    }

    @Test func onlyMovableTagsMove() async throws {
        let (registry, _) = try await AuthTests.start()
        let app = "team/mover"
        let body = Content.json(["movable": ["latest", "aliases"]])
        #expect(try await registry.request(.PUT, "/api/v1/projects/team/tag-rules", headers: [Self.admin, Self.json], body: body).status == 200)
        let (first, _) = try await registry.pushImage(app, tag: "1.0.0", headers: [Self.admin])
        let (second, _) = try await registry.pushImage(app, tag: "latest", headers: [Self.admin])
        #expect(try await Self.push(registry, app, "1.0.0", first).status == 201)  // same digest: not a move
        let moved = try await Self.push(registry, app, "1.0.0", second)
        #expect(moved.status == 403 && moved.text.contains("movable"), "\(moved.text)")
        #expect(try await Self.push(registry, app, "latest", first).status == 201)
        #expect(try await Self.push(registry, app, "1.0", first).status == 201)
        #expect(try await Self.push(registry, app, "1.0", second).status == 201)
        // Without the rules, anything moves again.
        #expect(try await registry.request(.DELETE, "/api/v1/projects/team/tag-rules", headers: [Self.admin]).status == 204)
        #expect(try await Self.push(registry, app, "1.0.0", second).status == 201)
        try await registry.stop()
    }

    /// A project deleted and created again starts without the old rules (the node's cache forgets them).
    @Test func aDeletedProjectTakesItsSettings() async throws {
        let (registry, _) = try await AuthTests.start()
        #expect(try await registry.request(.POST, "/api/v1/projects", headers: [Self.admin, Self.json], body: Content.json(["name": "temp"])).status == 201)
        let rules = Content.json(["forbid_only": ["latest"]])
        #expect(try await registry.request(.PUT, "/api/v1/projects/temp/tag-rules", headers: [Self.admin, Self.json], body: rules).status == 200)
        #expect(try await registry.request(.GET, "/api/v1/projects/temp/tag-rules", headers: [Self.admin]).status == 200)  // now cached
        #expect(try await registry.request(.DELETE, "/api/v1/projects/temp", headers: [Self.admin]).status == 204)
        #expect(try await registry.request(.POST, "/api/v1/projects", headers: [Self.admin, Self.json], body: Content.json(["name": "temp"])).status == 201)
        #expect(try await registry.request(.GET, "/api/v1/projects/temp/tag-rules", headers: [Self.admin]).status == 404)
        _ = try await registry.pushImage("temp/app", tag: "latest", headers: [Self.admin])
        try await registry.stop()
    }

    /// Concurrent pushes of one line's patches leave its alias on the
    /// highest: each push chooses under the aliases' locks, after the
    /// pushes before it committed.
    @Test func concurrentPushesLeaveTheAliasOnTheHighest() async throws {
        let (registry, _) = try await AuthTests.start()
        let app = "team/race"
        let body = Content.json(["semver_aliases": true, "latest_alias": true])
        #expect(try await registry.request(.PUT, "/api/v1/projects/team/tag-rules", headers: [Self.admin, Self.json], body: body).status == 200)
        let versions = (1...8).map { "3.1.\($0)" }
        let digests = try await withThrowingTaskGroup(of: (String, Digest).self) { group in
            for version in versions {
                group.addTask { (version, try await registry.pushImage(app, tag: version, headers: [Self.admin]).digest) }
            }
            return try await group.reduce(into: [String: Digest]()) { $0[$1.0] = $1.1 }
        }
        let highest = try #require(digests["3.1.8"]).description
        for alias in ["3.1", "3", "latest"] { #expect(try await Self.digest(registry, app, alias) == highest, "\(alias)") }
        try await registry.stop()
    }
}
