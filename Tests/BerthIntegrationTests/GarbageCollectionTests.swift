@testable import BerthRegistry
@testable import BerthServer
import Foundation
import NIOHTTP1
import OCI
import Testing

@Suite("Online garbage collection")
struct GarbageCollectionTests {
    func collect(_ registry: TestRegistry, dryRun: Bool = false, untagged: Bool = false, grace: TimeInterval) async throws
        -> GarbageCollector.Report
    {
        try await registry.server.maintenance.collectGarbage(.init(dryRun: dryRun, deleteUntagged: untagged, grace: grace))
    }

    /// Whether the store itself (a file, or an object in the bucket) still
    /// holds the bytes, whatever the index says.
    func blobStored(_ registry: TestRegistry, _ digest: Digest) async throws -> Bool {
        try await registry.server.uploads.blobs.size(of: digest) != nil
    }

    @Test func removesOnlyWhatNothingNeeds() async throws {
        let registry = try await TestRegistry.start()
        // Kept: a tagged image, and an index whose untagged children it needs.
        let (kept, keptDigest) = try await registry.pushImage("app", tag: "v1")
        let children = try await (0..<2).asyncMap { _ in try await registry.pushImage("app", tag: "tmp") }
        let index = Content.index(children.map { ($0.manifest, "linux/amd64") })
        try await registry.pushManifest("app", "multi", index, type: MediaType.ociIndex)
        #expect(try await registry.request(.DELETE, "/v2/app/manifests/tmp").status == 202)
        // Untagged: kept unless asked, with its two layers and config.
        let (_, untagged) = try await registry.pushImage("app", tag: "gone")
        #expect(try await registry.request(.DELETE, "/v2/app/manifests/gone").status == 202)
        // A lone blob, and a referrer whose subject was deleted: garbage.
        let lone = try await registry.pushBlob("app", Content.randomBytes(3000))
        let (subject, subjectDigest) = try await registry.pushImage("app", tag: "signed", layerCount: 1)
        let signature = Content.json(["sig": UUID().uuidString])
        try await registry.pushBlob("app", signature)
        let referrer = Content.imageManifest(
            config: signature, layers: [], extra: ["subject": Content.descriptor(MediaType.ociManifest, subject)])
        let referrerDigest = try await registry.pushManifest("app", Content.digest(referrer).description, referrer)
        #expect(try await registry.request(.DELETE, "/v2/app/manifests/\(subjectDigest)").status == 202)

        // Every collection below puts its cutoff near `boundary` (the grace is
        // measured from it when the call is made), so what came before is old
        // and `young` is not, however slowly a loaded machine gets from one
        // request to the next: only a call that takes 3 s to reach its own
        // cutoff would misjudge it.
        try await Task.sleep(for: .milliseconds(1000))
        let boundary = Date()
        try await Task.sleep(for: .milliseconds(3000))
        var grace: TimeInterval { Date().timeIntervalSince(boundary) }
        // Pushed after the grace period began: never collected.
        let young = try await registry.pushBlob("app", Content.randomBytes(500))

        let preview = try await collect(registry, dryRun: true, grace: grace)
        // The orphan referrer; blobs: lone, the signature, the deleted subject's config and layer.
        #expect(preview.manifestsDeleted == 1)
        #expect(preview.blobsDeleted == 4)
        #expect(try await registry.request(.HEAD, "/v2/app/blobs/\(lone)").status == 200, "a dry run removes nothing")

        let report = try await collect(registry, grace: grace)
        #expect(report.manifestsDeleted == 1 && report.blobsDeleted == 4)
        #expect(report.bytesFreed >= 3000)
        #expect(try await registry.request(.HEAD, "/v2/app/blobs/\(lone)").status == 404)
        #expect(try await !blobStored(registry, lone))
        #expect(try await blobStored(registry, young))
        #expect(try await registry.request(.HEAD, "/v2/app/manifests/\(referrerDigest)").status == 404)
        #expect(try await registry.request(.HEAD, "/v2/app/blobs/\(young)").status == 200)
        #expect(try await registry.request(.GET, "/v2/app/manifests/v1").body == kept)
        #expect(try await registry.request(.HEAD, "/v2/app/manifests/\(keptDigest)").status == 200)
        for child in children {
            #expect(try await registry.request(.HEAD, "/v2/app/manifests/\(child.digest)").status == 200)
        }
        #expect(try await registry.request(.HEAD, "/v2/app/manifests/\(untagged)").status == 200)

        // Untagged manifests go when asked; index children and their blobs stay.
        let strict = try await collect(registry, untagged: true, grace: grace)
        #expect(strict.manifestsDeleted == 1 && strict.blobsDeleted == 3)
        #expect(try await registry.request(.HEAD, "/v2/app/manifests/\(untagged)").status == 404)
        for child in children {
            #expect(try await registry.request(.HEAD, "/v2/app/manifests/\(child.digest)").status == 200)
        }
        // Nothing left to do: a second run is a no-op.
        let again = try await collect(registry, untagged: true, grace: grace)
        #expect(again.manifestsDeleted == 0 && again.blobsDeleted == 0 && again.orphanFilesDeleted == 0)
        #expect(try await registry.request(.HEAD, "/v2/app/blobs/\(young)").status == 200)
        try await registry.stop()
    }

    @Test func pushesAndPullsDuringCollectionLoseNothing() async throws {
        let registry = try await TestRegistry.start()
        // Old garbage, some of whose bytes the pushers below upload again.
        var garbageLayers: [[UInt8]] = []
        for i in 0..<12 {
            let layer = Content.randomBytes(2000 + i)
            garbageLayers.append(layer)
            try await registry.pushBlob("junk/\(i % 3)", layer)
        }
        for i in 0..<6 {
            try await registry.pushImage("junk/img", tag: "t\(i)")
            #expect(try await registry.request(.DELETE, "/v2/junk/img/manifests/t\(i)").status == 202)
        }
        // Long enough that no push in this test spends it between its blobs and its manifest, even on a loaded machine.
        let grace: TimeInterval = 5
        let reused = garbageLayers
        try await Task.sleep(for: .seconds(grace + 0.5))

        let deadline = ContinuousClock.now + .seconds(60)
        let pushed = try await withThrowingTaskGroup(of: [(String, String, [UInt8], [[UInt8]])].self) { group in
            for worker in 0..<4 {
                group.addTask {
                    var images: [(String, String, [UInt8], [[UInt8]])] = []
                    for round in 0..<8 where ContinuousClock.now < deadline {
                        let repository = "live/w\(worker)"
                        let config = Content.json(["worker": worker, "round": round])
                        let layers = [reused[(worker * 3 + round) % reused.count], Content.randomBytes(4000)]
                        for blob in [config] + layers { try await registry.pushBlob(repository, blob) }
                        let manifest = Content.imageManifest(config: config, layers: layers)
                        try await registry.pushManifest(repository, "r\(round)", manifest)
                        // Pull it straight back while the collector runs.
                        let pulled = try await registry.request(.GET, "/v2/\(repository)/manifests/r\(round)")
                        guard pulled.body == manifest else { throw TestFailure("r\(round) pulled back different") }
                        images.append((repository, "r\(round)", manifest, [config] + layers))
                    }
                    return images
                }
            }
            group.addTask {
                var runs = 0
                while runs < 40, ContinuousClock.now < deadline {
                    _ = try await collect(registry, untagged: true, grace: grace)
                    runs += 1
                    try await Task.sleep(for: .milliseconds(20))
                }
                return []
            }
            var all: [(String, String, [UInt8], [[UInt8]])] = []
            for try await images in group { all += images }
            return all
        }
        #expect(pushed.count == 32)
        // After one more collection, every image pulls back byte for byte.
        _ = try await collect(registry, untagged: true, grace: grace)
        for (repository, tag, manifest, blobs) in pushed {
            #expect(try await registry.request(.GET, "/v2/\(repository)/manifests/\(tag)").body == manifest)
            for blob in blobs {
                let pulled = try await registry.request(.GET, "/v2/\(repository)/blobs/\(Content.digest(blob))")
                #expect(pulled.status == 200 && pulled.body == blob, "\(repository) \(Content.digest(blob))")
            }
        }
        // The untagged repository's last manifest was collected: it left the catalog.
        #expect(try await registry.request(.GET, "/v2/junk/img/tags/list").errorCodes == ["NAME_UNKNOWN"])
        let catalog = try await registry.request(.GET, "/v2/_catalog").json()["repositories"] as? [String] ?? []
        #expect(!catalog.contains("junk/img"))
        try await registry.stop()
    }

    @Test func administratorsRunItThroughTheAPIAndTheCommandLine() async throws {
        let (registry, _) = try await AuthTests.start()
        let admin = AuthTests.basic("admin")
        let lone = try await registry.pushBlob("team/app", Content.randomBytes(100), headers: [admin])
        let json = ("Content-Type", "application/json")
        #expect(try await registry.request(.POST, "/api/v1/gc", headers: [AuthTests.basic("maint"), json], body: Content.json([:])).status == 403)
        #expect(try await registry.request(.POST, "/api/v1/gc", body: Content.json([:])).status == 401)
        let preview = try await registry.request(
            .POST, "/api/v1/gc", headers: [admin, json], body: Content.json(["dry_run": true, "grace_seconds": 0]))
        #expect(preview.status == 200)
        #expect(try preview.json()["blobs_would_delete"] as? Int == 1)
        #expect(try preview.json()["blobs_deleted"] == nil)
        #expect(try preview.json()["dry_run"] as? Bool == true)
        let runs = try await registry.request(.GET, "/api/v1/gc/runs", headers: [admin])
        let listed = try #require(try JSONSerialization.jsonObject(with: Data(runs.body)) as? [[String: Any]])
        #expect(listed.first?["status"] as? String == "succeeded")
        #expect((listed.first?["result"] as? [String: Any])?["blobs_would_delete"] as? Int == 1)

        // `berth gc` on the same data folder while the server runs.
        let config = try await TestBackends.configFile(registry.dataFolder)
        let dry = try await runCommand([BerthProcess.executable, "gc", "--data", registry.dataFolder, "--dry-run", "--grace", "0s"] + config)
        #expect(dry.status == 0, "\(dry.output)")
        #expect(dry.output.contains("\"blobs_would_delete\" : 1"))
        #expect(try await registry.request(.HEAD, "/v2/team/app/blobs/\(lone)", headers: [admin]).status == 200)
        let real = try await runCommand([BerthProcess.executable, "gc", "--data", registry.dataFolder, "--grace", "0s"] + config)
        #expect(real.status == 0, "\(real.output)")
        // The server notices (its epoch watch runs each second) and stops serving the removed blob;
        // waited for up to 15 s, since a loaded machine can delay its background turn.
        var status = 0
        for _ in 0..<75 {
            status = try await registry.request(.HEAD, "/v2/team/app/blobs/\(lone)", headers: [admin]).status
            if status == 404 { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(status == 404)
        let metrics = try await registry.request(.GET, "/metrics").text
        #expect(metrics.contains("berth_gc_runs_total{dry_run=\"true\"} 1"))
        try await registry.stop()
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
