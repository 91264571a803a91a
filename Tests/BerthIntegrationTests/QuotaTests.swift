import Foundation
import NIOHTTP1
import OCI
import Testing

@Suite("Project storage quotas")
struct QuotaTests {
    static let json = ("Content-Type", "application/json")

    func usage(_ registry: TestRegistry) async throws -> (used: Int, quota: Int?) {
        let detail = try await registry.request(.GET, "/api/v1/projects/team", headers: [AuthTests.basic("admin")]).json()
        return (try #require(detail["storage_bytes"] as? Int), detail["quota_bytes"] as? Int)
    }

    func setQuota(_ registry: TestRegistry, _ bytes: Int?, as user: String = "admin") async throws -> Int {
        let body: [UInt8] = bytes.map { Content.json(["quota_bytes": $0]) } ?? Array(#"{"quota_bytes":null}"#.utf8)
        return try await registry.request(.PATCH, "/api/v1/projects/team", headers: [AuthTests.basic(user), Self.json], body: body).status
    }

    @Test func enforcedBeforeUploadAndAtManifestCommit() async throws {
        let (registry, _) = try await AuthTests.start()
        let admin = AuthTests.basic("admin")
        let config = Content.json(["os": "linux", "n": UUID().uuidString])
        let layer = Content.randomBytes(5000)
        try await registry.pushBlob("team/a", config, headers: [admin])
        let used = try await usage(registry).used
        #expect(used == config.count)

        // Only system administrators set quotas; project admins see them.
        #expect(try await setQuota(registry, 1, as: "maint") == 403)
        #expect(try await setQuota(registry, used + layer.count) == 200)
        #expect(try await usage(registry).quota == used + layer.count)

        // Exactly at the limit is allowed.
        try await registry.pushBlob("team/a", layer, headers: [admin])
        #expect(try await usage(registry).used == used + layer.count)
        // One byte more is refused before the upload is accepted, and nothing is stored.
        let extra = Content.randomBytes(1)
        let refused = try await registry.request(
            .POST, "/v2/team/a/blobs/uploads/?digest=\(Content.digest(extra))", headers: [admin], body: extra)
        #expect(refused.status == 403)
        #expect(refused.errorCodes == ["DENIED"])
        #expect(refused.text.contains("quota exceeded"))
        #expect(try await registry.request(.HEAD, "/v2/team/a/blobs/\(Content.digest(extra))", headers: [admin]).status == 404)
        // A chunk with a declared length is refused the same way.
        let session = try await registry.request(.POST, "/v2/team/a/blobs/uploads/", headers: [admin])
        let location = try #require(session.header("Location"))
        let chunk = try await registry.request(
            .PATCH, location, headers: [admin, ("Content-Type", "application/octet-stream")], body: Content.randomBytes(10))
        #expect(chunk.status == 403 && chunk.errorCodes == ["DENIED"])

        // A blob the project holds already counts once, in any of its repositories.
        try await registry.pushBlob("team/b", layer, headers: [admin])
        #expect(try await registry.request(
            .POST, "/v2/team/c/blobs/uploads/?mount=\(Content.digest(layer))&from=team/a", headers: [admin]).status == 201)
        #expect(try await usage(registry).used == used + layer.count)
        // The manifest over them fits: its blobs are counted already.
        try await registry.pushManifest("team/a", "v1", Content.imageManifest(config: config, layers: [layer]), headers: [admin])

        // Lowered below the usage, the quota refuses the next manifest.
        #expect(try await setQuota(registry, 100) == 200)
        let manifest = Content.imageManifest(config: config, layers: [layer], extra: ["annotations": ["n": "2"]])
        let overQuota = try await registry.request(
            .PUT, "/v2/team/a/manifests/v2", headers: [admin, ("Content-Type", MediaType.ociManifest)], body: manifest)
        #expect(overQuota.status == 403 && overQuota.text.contains("quota exceeded"))
        #expect(try await registry.request(.HEAD, "/v2/team/a/manifests/v2", headers: [admin]).status == 404)

        // Deleting blobs frees quota at once; removing the quota lifts the limit.
        #expect(try await setQuota(registry, used + layer.count + 1) == 200)
        for repository in ["team/b", "team/c"] {
            #expect(try await registry.request(.DELETE, "/v2/\(repository)/blobs/\(Content.digest(layer))", headers: [admin]).status == 202)
        }
        #expect(try await usage(registry).used == used + layer.count, "team/a still holds the layer")
        #expect(try await registry.request(.DELETE, "/v2/team/a/blobs/\(Content.digest(config))", headers: [admin]).status == 202)
        #expect(try await usage(registry).used == layer.count)
        try await registry.pushBlob("team/a", Content.randomBytes(config.count + 1), headers: [admin])
        #expect(try await setQuota(registry, nil) == 200)
        #expect(try await usage(registry).quota == nil)
        try await registry.pushBlob("team/a", Content.randomBytes(10_000), headers: [admin])
        #expect(try await setQuota(registry, -1) == 400)

        // Both quota events reached the audit log (and so the webhooks).
        try await Task.sleep(for: .milliseconds(500))
        for action in ["quota.exceeded", "quota.warning"] {
            let entries = try await registry.request(.GET, "/api/v1/audit?project=team&action=\(action)", headers: [admin]).json()
            #expect((entries["entries"] as? [Any])?.isEmpty == false, "\(action)")
        }
        try await registry.stop()
    }
}
