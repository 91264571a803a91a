import Foundation
import NIOHTTP1
import OCI
import Testing

@Suite("Manifests: validation, content types, tags, deletion")
struct ManifestTests {
    @Test func pushByTagPullByTagAndDigest() async throws {
        let registry = try await TestRegistry.start()
        let (manifest, digest) = try await registry.pushImage("team/sub/app", tag: "1.0.0")
        for reference in ["1.0.0", digest.description] {
            let pulled = try await registry.request(.GET, "/v2/team/sub/app/manifests/\(reference)", headers: [("Accept", MediaType.ociManifest)])
            #expect(pulled.status == 200)
            #expect(pulled.body == manifest)
            #expect(pulled.header("Content-Type") == MediaType.ociManifest)
            #expect(pulled.header("Docker-Content-Digest") == digest.description)
            let head = try await registry.request(.HEAD, "/v2/team/sub/app/manifests/\(reference)")
            #expect(head.status == 200)
            #expect(head.header("Content-Length") == "\(manifest.count)")
            #expect(head.header("Docker-Content-Digest") == digest.description)
            #expect(head.body.isEmpty)
        }
        try await registry.stop()
    }

    @Test func putAnswersWithLocationAndDigest() async throws {
        let registry = try await TestRegistry.start()
        let config = Content.json(["os": "linux"])
        try await registry.pushBlob("team/app", config)
        let manifest = Content.imageManifest(config: config, layers: [])
        let digest = Content.digest(manifest)
        let put = try await registry.request(
            .PUT, "/v2/team/app/manifests/\(digest)", headers: [("Content-Type", MediaType.ociManifest)], body: manifest)
        #expect(put.status == 201)
        #expect(put.header("Location") == "/v2/team/app/manifests/\(digest)")
        #expect(put.header("Docker-Content-Digest") == digest.description)
        try await registry.stop()
    }

    @Test func digestReferenceMustMatchTheBody() async throws {
        let registry = try await TestRegistry.start()
        let config = Content.json(["os": "linux"])
        try await registry.pushBlob("team/app", config)
        let manifest = Content.imageManifest(config: config, layers: [])
        let wrong = Content.digest(Content.randomBytes(8))
        let put = try await registry.request(
            .PUT, "/v2/team/app/manifests/\(wrong)", headers: [("Content-Type", MediaType.ociManifest)], body: manifest)
        #expect(put.status == 400)
        #expect(put.errorCodes == ["DIGEST_INVALID"])
        #expect(try await registry.request(.GET, "/v2/team/app/manifests/\(Content.digest(manifest))").status == 404)
        try await registry.stop()
    }

    @Test func missingBlobsAreNamed() async throws {
        let registry = try await TestRegistry.start()
        let config = Content.json(["os": "linux"])
        let layer = Content.randomBytes(100)
        try await registry.pushBlob("team/app", config)
        // The layer exists, but in another repository only.
        try await registry.pushBlob("team/other", layer)
        let manifest = Content.imageManifest(config: config, layers: [layer])
        let put = try await registry.request(
            .PUT, "/v2/team/app/manifests/latest", headers: [("Content-Type", MediaType.ociManifest)], body: manifest)
        #expect(put.status == 400)
        #expect(put.errorCodes == ["MANIFEST_BLOB_UNKNOWN"])
        let detail = try #require((try put.json()["errors"] as? [[String: Any]])?.first?["detail"] as? [String: String])
        #expect(detail["digest"] == Content.digest(layer).description)
        #expect(try await registry.request(.GET, "/v2/team/app/manifests/latest").status == 404)
        try await registry.stop()
    }

    @Test func descriptorSizeMustMatchTheBlob() async throws {
        let registry = try await TestRegistry.start()
        let config = Content.json(["os": "linux"])
        try await registry.pushBlob("team/app", config)
        var object = try JSONSerialization.jsonObject(with: Data(Content.imageManifest(config: config, layers: []))) as! [String: Any]
        var descriptor = object["config"] as! [String: Any]
        descriptor["size"] = config.count + 1
        object["config"] = descriptor
        let put = try await registry.request(
            .PUT, "/v2/team/app/manifests/x", headers: [("Content-Type", MediaType.ociManifest)], body: Content.json(object))
        #expect(put.errorCodes == ["MANIFEST_INVALID"])
        try await registry.stop()
    }

    @Test func invalidManifestsAreRefusedWithReasons() async throws {
        let registry = try await TestRegistry.start()
        let config = Content.json(["os": "linux"])
        try await registry.pushBlob("team/app", config)
        let cases: [(String, [UInt8], String)] = [
            ("not json", Array("{not json".utf8), MediaType.ociManifest),
            ("schema 1", Content.json(["schemaVersion": 1, "name": "team/app", "tag": "x", "fsLayers": [] as [Any]]), MediaType.dockerSchema1),
            ("schema 1 signed type", Content.json(["schemaVersion": 2]), MediaType.dockerSchema1Signed),
            ("type mismatch", Content.imageManifest(config: config, layers: []), MediaType.ociIndex),
            ("no config", Content.json(["schemaVersion": 2, "mediaType": MediaType.ociManifest, "layers": [] as [Any]]), MediaType.ociManifest),
            ("bad digest", Content.json([
                "schemaVersion": 2, "mediaType": MediaType.ociManifest, "layers": [] as [Any],
                "config": ["mediaType": "a/b", "digest": "sha256:zz", "size": 1],
            ]), MediaType.ociManifest),
            ("negative size", Content.json([
                "schemaVersion": 2, "mediaType": MediaType.ociManifest, "layers": [] as [Any],
                "config": ["mediaType": "a/b", "digest": Content.digest(config).description, "size": -1],
            ]), MediaType.ociManifest),
            ("unknown media type", Content.json(["schemaVersion": 2, "mediaType": "text/plain"]), "text/plain"),
        ]
        for (name, body, type) in cases {
            let put = try await registry.request(.PUT, "/v2/team/app/manifests/x", headers: [("Content-Type", type)], body: body)
            #expect(put.status == 400, "\(name)")
            #expect(put.errorCodes == ["MANIFEST_INVALID"], "\(name): \(put.text)")
        }
        let schema1 = try await registry.request(
            .PUT, "/v2/team/app/manifests/x", headers: [("Content-Type", MediaType.dockerSchema1Signed)], body: [])
        #expect(schema1.text.contains("schema 1"))
        #expect(try await registry.request(.GET, "/v2/team/app/manifests/x").status == 404)
        try await registry.stop()
    }

    @Test func oversizedManifestIs413() async throws {
        let registry = try await TestRegistry.start()
        let body = [UInt8](repeating: UInt8(ascii: " "), count: 4 * 1024 * 1024 + 1)
        let put = try await registry.request(.PUT, "/v2/team/app/manifests/big", headers: [("Content-Type", MediaType.ociManifest)], body: body)
        #expect(put.status == 413)
        #expect(put.errorCodes == ["SIZE_INVALID"])
        try await registry.stop()
    }

    @Test func dockerSchema2AndManifestList() async throws {
        let registry = try await TestRegistry.start()
        let config = Content.json(["os": "linux", "architecture": "amd64"])
        let layer = Content.randomBytes(300)
        try await registry.pushBlob("team/app", config)
        try await registry.pushBlob("team/app", layer)
        let manifest = Content.json([
            "schemaVersion": 2, "mediaType": MediaType.dockerManifest,
            "config": Content.descriptor("application/vnd.docker.container.image.v1+json", config),
            "layers": [Content.descriptor("application/vnd.docker.image.rootfs.diff.tar.gzip", layer)],
        ])
        let digest = try await registry.pushManifest("team/app", "amd64", manifest, type: MediaType.dockerManifest)
        let list = Content.json([
            "schemaVersion": 2, "mediaType": MediaType.dockerManifestList,
            "manifests": [[
                "mediaType": MediaType.dockerManifest, "digest": digest.description, "size": manifest.count,
                "platform": ["os": "linux", "architecture": "amd64"],
            ]],
        ])
        try await registry.pushManifest("team/app", "latest", list, type: MediaType.dockerManifestList)
        let pulled = try await registry.request(.GET, "/v2/team/app/manifests/latest", headers: [("Accept", "\(MediaType.dockerManifest), \(MediaType.dockerManifestList)")])
        #expect(pulled.header("Content-Type") == MediaType.dockerManifestList)
        #expect(pulled.body == list)
        // A client that cannot read lists is not sent one.
        let old = try await registry.request(.GET, "/v2/team/app/manifests/latest", headers: [("Accept", MediaType.dockerManifest)])
        #expect(old.status == 404)
        #expect(old.errorCodes == ["MANIFEST_UNKNOWN"])
        try await registry.stop()
    }

    @Test func indexNeedsItsChildren() async throws {
        let registry = try await TestRegistry.start()
        let (amd64, _) = try await registry.pushImage("team/app", tag: "amd64")
        let arm64 = Content.imageManifest(config: Content.json(["os": "linux"]), layers: [])
        let index = Content.index([(amd64, "linux/amd64"), (arm64, "linux/arm64")])
        let refused = try await registry.request(.PUT, "/v2/team/app/manifests/multi", headers: [("Content-Type", MediaType.ociIndex)], body: index)
        #expect(refused.status == 400)
        #expect(refused.errorCodes == ["MANIFEST_BLOB_UNKNOWN"])

        try await registry.pushBlob("team/app", Content.json(["os": "linux"]))
        try await registry.pushManifest("team/app", Content.digest(arm64).description, arm64)
        let digest = try await registry.pushManifest("team/app", "multi", index, type: MediaType.ociIndex)
        let pulled = try await registry.request(.GET, "/v2/team/app/manifests/multi", headers: [("Accept", "*/*")])
        #expect(pulled.header("Docker-Content-Digest") == digest.description)
        #expect(pulled.header("Content-Type") == MediaType.ociIndex)
        try await registry.stop()
    }

    @Test func deleteByTagUntagsAndByDigestRemoves() async throws {
        let registry = try await TestRegistry.start()
        let (_, digest) = try await registry.pushImage("team/app", tag: "a")
        _ = try await registry.pushManifest("team/app", "b", try await registry.request(.GET, "/v2/team/app/manifests/a").body)

        #expect(try await registry.request(.DELETE, "/v2/team/app/manifests/a").status == 202)
        #expect(try await registry.request(.GET, "/v2/team/app/manifests/a").status == 404)
        #expect(try await registry.request(.GET, "/v2/team/app/manifests/\(digest)").status == 200)
        #expect(try await registry.request(.GET, "/v2/team/app/manifests/b").status == 200)

        #expect(try await registry.request(.DELETE, "/v2/team/app/manifests/\(digest)").status == 202)
        let gone = try await registry.request(.GET, "/v2/team/app/manifests/b")
        #expect(gone.status == 404)
        #expect(gone.errorCodes == ["MANIFEST_UNKNOWN"])
        #expect(try await registry.request(.DELETE, "/v2/team/app/manifests/\(digest)").status == 404)
        // Its last manifest gone, the repository leaves the catalog and is unknown.
        let tags = try await registry.request(.GET, "/v2/team/app/tags/list")
        #expect(tags.status == 404 && tags.errorCodes == ["NAME_UNKNOWN"])
        #expect(try await registry.request(.GET, "/v2/_catalog").json()["repositories"] as? [String] == [])
        try await registry.stop()
    }

    @Test func retaggingMovesTheTag() async throws {
        let registry = try await TestRegistry.start()
        _ = try await registry.pushImage("team/app", tag: "latest")
        let (_, second) = try await registry.pushImage("team/app", tag: "latest")
        let head = try await registry.request(.HEAD, "/v2/team/app/manifests/latest")
        #expect(head.header("Docker-Content-Digest") == second.description)
        try await registry.stop()
    }
}
