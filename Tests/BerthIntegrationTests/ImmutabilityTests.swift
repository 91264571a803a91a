import Foundation
import NIOHTTP1
import OCI
import Testing

@Suite("Tag immutability rules")
struct ImmutabilityTests {
    static let json = ("Content-Type", "application/json")

    @Test func immutableTagsNeitherMoveNorVanish() async throws {
        let (registry, _) = try await AuthTests.start()
        let admin = AuthTests.basic("admin")
        let maint = AuthTests.basic("maint")
        let (first, digest) = try await registry.pushImage("team/sub/app", tag: "v1", headers: [admin])
        // Developers may not add rules; Maintainers may.
        let rule = Content.json(["repository": "**", "tag": "v*"])
        #expect(try await registry.request(.POST, "/api/v1/projects/team/immutability-rules", headers: [AuthTests.basic("dev"), Self.json], body: rule).status == 403)
        let created = try await registry.request(.POST, "/api/v1/projects/team/immutability-rules", headers: [maint, Self.json], body: rule)
        #expect(created.status == 201)
        let id = try #require(try created.json()["id"] as? String)
        let semver = Content.json(["repository": "sub/*", "tag": "[0-9]*.[0-9]*.[0-9]*"])
        #expect(try await registry.request(.POST, "/api/v1/projects/team/immutability-rules", headers: [maint, Self.json], body: semver).status == 201)
        #expect(try await registry.request(.POST, "/api/v1/projects/team/immutability-rules", headers: [maint, Self.json], body: Content.json(["repository": "[", "tag": "x"])).status == 400)

        // Re-pushing the same digest is fine; moving the tag is refused, naming the rule.
        try await registry.pushManifest("team/sub/app", "v1", first, headers: [admin])
        let (_, other) = try await registry.pushImage("team/sub/app", tag: "latest", headers: [admin])
        let otherManifest = try await registry.request(.GET, "/v2/team/sub/app/manifests/\(other)", headers: [admin]).body
        let moved = try await registry.request(
            .PUT, "/v2/team/sub/app/manifests/v1", headers: [admin, ("Content-Type", MediaType.ociManifest)], body: otherManifest)
        #expect(moved.status == 403)
        #expect(moved.errorCodes == ["DENIED"])
        #expect(moved.text.contains(id))
        #expect(try await registry.request(.HEAD, "/v2/team/sub/app/manifests/v1", headers: [admin]).header("Docker-Content-Digest") == digest.description)
        // Mutable tags still move.
        try await registry.pushManifest("team/sub/app", "latest", first, headers: [admin])
        // Neither the tag nor the manifest under it can be deleted.
        #expect(try await registry.request(.DELETE, "/v2/team/sub/app/manifests/v1", headers: [admin]).status == 403)
        #expect(try await registry.request(.DELETE, "/v2/team/sub/app/manifests/\(digest)", headers: [admin]).status == 403)
        // The semver rule covers sub/* only.
        try await registry.pushManifest("team/sub/app", "1.2.3", first, headers: [admin])
        #expect(try await registry.request(
            .PUT, "/v2/team/sub/app/manifests/1.2.3", headers: [admin, ("Content-Type", MediaType.ociManifest)], body: otherManifest).status == 403)

        let listed = try await registry.request(.GET, "/api/v1/projects/team/immutability-rules", headers: [AuthTests.basic("guest")])
        #expect(listed.text.contains("[0-9]*.[0-9]*.[0-9]*"))
        // Without the rules, the same operations pass.
        let rules = try #require(try JSONSerialization.jsonObject(with: Data(listed.body)) as? [[String: Any]])
        for rule in rules {
            let ruleID = try #require(rule["id"] as? String)
            #expect(try await registry.request(.DELETE, "/api/v1/projects/team/immutability-rules/\(ruleID)", headers: [maint]).status == 204)
        }
        #expect(try await registry.request(
            .PUT, "/v2/team/sub/app/manifests/v1", headers: [admin, ("Content-Type", MediaType.ociManifest)], body: otherManifest).status == 201)
        #expect(try await registry.request(.DELETE, "/v2/team/sub/app/manifests/v1", headers: [admin]).status == 202)
        try await registry.stop()
    }
}
