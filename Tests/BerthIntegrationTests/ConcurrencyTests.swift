import Foundation
import NIOHTTP1
import OCI
import Testing

@Suite("Concurrent pushes, restarts and abandoned uploads")
struct ConcurrencyTests {
    @Test func concurrentPushesOfTheSameBlob() async throws {
        let registry = try await TestRegistry.start()
        let bytes = Content.randomBytes(300_000)
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<16 {
                group.addTask {
                    // Half push monolithically, half in two chunks.
                    if index % 2 == 0 {
                        return try await registry.request(.POST, "/v2/team/app/blobs/uploads/?digest=\(Content.digest(bytes))", body: bytes).status
                    }
                    let location = try await registry.startUpload("team/app")
                    _ = try await registry.request(.PATCH, location, body: Array(bytes[..<1000]))
                    return try await registry.request(.PUT, withQuery(location, "digest=\(Content.digest(bytes))"), body: Array(bytes[1000...])).status
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: 201, count: 16))
        #expect(try await registry.request(.GET, "/v2/team/app/blobs/\(Content.digest(bytes))").body == bytes)
        try await registry.stop()
    }

    @Test func concurrentPushesOfOneTagLeaveOneWinner() async throws {
        let registry = try await TestRegistry.start()
        let config = Content.json(["os": "linux"])
        try await registry.pushBlob("team/app", config)
        // Sixteen clients, as many as the PostgreSQL benchmark's.
        let layers = (0..<16).map { _ in Content.randomBytes(200) }
        for layer in layers { try await registry.pushBlob("team/app", layer) }
        let manifests = layers.map { Content.imageManifest(config: config, layers: [$0]) }
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for manifest in manifests {
                group.addTask {
                    try await registry.request(
                        .PUT, "/v2/team/app/manifests/latest", headers: [("Content-Type", MediaType.ociManifest)], body: manifest
                    ).status
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: 201, count: manifests.count))
        let pulled = try await registry.request(.GET, "/v2/team/app/manifests/latest")
        #expect(manifests.contains(pulled.body))
        #expect(pulled.header("Docker-Content-Digest") == Content.digest(pulled.body).description)
        // Every pushed manifest stays reachable by digest.
        for manifest in manifests {
            #expect(try await registry.request(.HEAD, "/v2/team/app/manifests/\(Content.digest(manifest))").status == 200)
        }
        try await registry.stop()
    }

    @Test func chunkedUploadSurvivesARestart() async throws {
        let first = try await TestRegistry.start()
        let (manifest, digest) = try await first.pushImage("team/app", tag: "kept")
        let bytes = Content.randomBytes(250_000)
        let location = try await first.startUpload("team/app")
        let patched = try await first.request(.PATCH, location, headers: [("Content-Range", "0-99999")], body: Array(bytes[..<100_000]))
        #expect(patched.status == 202)
        try await first.stop()

        let second = try await TestRegistry.start(dataFolder: first.dataFolder)
        let status = try await second.request(.GET, location)
        #expect(status.status == 204)
        #expect(status.header("Range") == "0-99999")
        let rest = try await second.request(.PATCH, location, headers: [("Content-Range", "100000-249999")], body: Array(bytes[100_000...]))
        #expect(rest.status == 202)
        let done = try await second.request(.PUT, withQuery(location, "digest=\(Content.digest(bytes))"))
        #expect(done.status == 201)
        #expect(try await second.request(.GET, "/v2/team/app/blobs/\(Content.digest(bytes))").body == bytes)
        #expect(try await second.request(.GET, "/v2/team/app/manifests/kept").body == manifest)
        #expect(try await second.request(.GET, "/v2/team/app/manifests/\(digest)").status == 200)
        try await second.stop()
    }

    @Test func abandonedUploadsAreReaped() async throws {
        let registry = try await TestRegistry.start {
            $0.uploadMaxAge = 1
            $0.uploadReapInterval = 0.2
        }
        let location = try await registry.startUpload("team/app")
        // Bytes are sent (on a loaded machine the reaper may already have
        // struck: either way the session must end up gone), then left alone.
        _ = try await registry.request(.PATCH, location, body: Content.randomBytes(10))
        var status = 204
        for _ in 0..<200 where status != 404 {
            try await Task.sleep(for: .milliseconds(100))
            status = try await registry.request(.GET, location).status
        }
        #expect(status == 404)
        if !TestBackends.shared {
            let uploads = try FileManager.default.contentsOfDirectory(atPath: registry.dataFolder + "/uploads")
            #expect(uploads.isEmpty)
        }
        try await registry.stop()
    }
}
