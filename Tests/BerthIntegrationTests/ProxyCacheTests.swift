import BerthServer
import Foundation
import TestProcesses
import OCI
import Testing

/// How a pull-through cache fills and empties: blobs streamed to the first
/// client while they are stored, and a size limit that evicts the least
/// recently pulled. Real servers on loopback: a Berth upstream (behind a
/// relay that can hold its answers) and a Berth cache.
@Suite("Pull-through cache filling and eviction")
struct ProxyCacheTests {
    static let admin = ProxyTests.admin
    static let json = ("Content-Type", "application/json")

    /// A cache in front of `upstreamPort`, as the project `cache` (with `binding`'s extra fields).
    static func cache(
        of upstreamPort: Int, binding: [String: Any] = [:], configure: (inout Configuration) -> Void = { _ in }
    ) async throws -> TestRegistry {
        let (proxy, _) = try await AuthTests.start(configure: configure)
        let defined = try await proxy.request(.POST, "/api/v1/registries", headers: [admin, json], body: Content.json([
            "name": "up", "url": "http://127.0.0.1:\(upstreamPort)", "username": "admin", "password": AuthTests.adminPassword,
        ]))
        guard defined.status == 201 else { throw TestFailure("registry: \(defined.status) \(defined.text)") }
        let created = try await proxy.request(.POST, "/api/v1/projects", headers: [admin, json], body: Content.json([
            "name": "cache", "public": true, "proxy": ["registry": "up"].merging(binding) { $1 },
        ]))
        guard created.status == 201 else { throw TestFailure("project: \(created.status) \(created.text)") }
        return proxy
    }

    /// Pushes an image of one layer of `layerBytes` random bytes; its manifest digest and the layer's.
    static func pushImage(_ registry: TestRegistry, _ repository: String, layerBytes: Int) async throws -> (manifest: Digest, layer: Digest) {
        let config = Content.json(["architecture": "amd64", "os": "linux", "nonce": UUID().uuidString])
        let layer = Content.randomBytes(layerBytes)
        try await registry.pushBlob(repository, config, headers: [admin])
        let layerDigest = try await registry.pushBlob(repository, layer, headers: [admin])
        let manifest = try await registry.pushManifest(repository, "v1", Content.imageManifest(config: config, layers: [layer]), headers: [admin])
        return (manifest, layerDigest)
    }

    /// `curl` fetching a URL into a file, in the background.
    static func download(_ url: String, to file: String) throws -> ChildProcess {
        try ChildProcess(["/usr/bin/curl", "-s", "-f", "--max-time", "120", "-H", "Authorization: \(admin.1)", "-o", file, url])
    }

    /// Waits for `process` without holding one of the few cooperative threads every in-process server needs.
    static func exit(of process: ChildProcess) async throws -> Int32 {
        while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        return process.terminationStatus
    }

    static func size(of file: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? NSNumber)?.intValue ?? 0
    }

    static func waitUntil(seconds: Double, _ condition: () async throws -> Bool) async rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }

    @Test func theFirstClientGetsTheBlobWhileItIsStored() async throws {
        guard isInstalled("curl") else { throw TestFailure("curl is not installed") }
        let (upstream, _) = try await AuthTests.start()
        let size = 8 << 20
        let (_, layer) = try await Self.pushImage(upstream, "team/big", layerBytes: size)
        // The upstream's answers stop after 2 MiB, until released.
        let relay = try await CuttingRelay.start(to: upstream.port, holdAfter: 2 << 20)
        defer { relay.stopSoon() }
        let proxy = try await Self.cache(of: relay.port)
        let url = "http://127.0.0.1:\(proxy.port)/v2/cache/team/big/blobs/\(layer)"

        // The first client receives the first bytes while the rest is held upstream (so the blob cannot be stored yet).
        let first = TestRegistry.temporaryFolder() + "-first"
        let curl = try Self.download(url, to: first)
        let streaming = await Self.waitUntil(seconds: 20) { Self.size(of: first) > 0 }
        #expect(streaming, "nothing reached the first client before the blob was stored")
        #expect(Self.size(of: first) < size)
        relay.release()
        #expect(try await Self.exit(of: curl) == 0)
        #expect(Content.digest(Array(try Data(contentsOf: URL(fileURLWithPath: first)))) == layer)

        // Stored: served from the cache, one upstream fetch in all.
        let again = try await proxy.request(.GET, "/v2/cache/team/big/blobs/\(layer)", headers: [Self.admin])
        #expect(again.status == 200 && Content.digest(again.body) == layer)
        #expect(try await ProxyTests.blobFetches(upstream) == 1)
        try await proxy.stop()
        try await upstream.stop()
    }

    @Test func theFillGoesOnWhenTheFirstClientLeaves() async throws {
        guard isInstalled("curl") else { throw TestFailure("curl is not installed") }
        let (upstream, _) = try await AuthTests.start()
        let size = 8 << 20
        let (_, layer) = try await Self.pushImage(upstream, "team/big", layerBytes: size)
        let relay = try await CuttingRelay.start(to: upstream.port, holdAfter: 2 << 20)
        defer { relay.stopSoon() }
        let proxy = try await Self.cache(of: relay.port)
        let url = "http://127.0.0.1:\(proxy.port)/v2/cache/team/big/blobs/\(layer)"

        let first = TestRegistry.temporaryFolder() + "-first"
        let curl = try Self.download(url, to: first)
        _ = await Self.waitUntil(seconds: 20) { Self.size(of: first) > 0 }
        kill(curl.processIdentifier, SIGKILL)
        _ = try await Self.exit(of: curl)
        // A second client meanwhile waits for the fill, which finishes once the upstream goes on.
        async let second = proxy.request(.GET, "/v2/cache/team/big/blobs/\(layer)", headers: [Self.admin])
        try await Task.sleep(for: .milliseconds(300))
        relay.release()
        let answer = try await second
        #expect(answer.status == 200 && Content.digest(answer.body) == layer, "\(answer.status)")
        #expect(try await ProxyTests.blobFetches(upstream) == 1)

        // A range as the first request for a blob: answered once the blob is stored.
        let bytes = Content.randomBytes(5 << 20)
        let other = try await upstream.pushBlob("team/big", bytes, headers: [Self.admin])
        let range = try await proxy.request(.GET, "/v2/cache/team/big/blobs/\(other)", headers: [Self.admin, ("Range", "bytes=100-199")])
        #expect(range.status == 206 && range.body == Array(bytes[100..<200]), "\(range.status)")
        try await proxy.stop()
        try await upstream.stop()
    }

    @Test func aFullCacheEvictsTheLeastRecentlyPulled() async throws {
        let (upstream, _) = try await AuthTests.start()
        let megabyte = 1 << 20
        var images: [String: Digest] = [:]
        for name in ["a", "b", "c"] { images[name] = try await Self.pushImage(upstream, "team/\(name)", layerBytes: megabyte).manifest }
        // Room for two images and a bit: the third evicts one.
        let limit = 3 * megabyte
        let proxy = try await Self.cache(of: upstream.port, binding: ["max_bytes": limit])
        let tiny = try await proxy.request(.POST, "/api/v1/projects", headers: [Self.admin, Self.json], body: Content.json([
            "name": "tiny", "proxy": ["registry": "up", "max_bytes": 1000],
        ]))
        #expect(tiny.status == 400 && tiny.text.contains("max_bytes"), "\(tiny.text)")

        func pull(_ name: String) async throws {
            let manifest = try await proxy.request(.GET, "/v2/cache/team/\(name)/manifests/v1", headers: [Self.admin, ProxyTests.accept])
            #expect(manifest.status == 200, "\(manifest.text)")
            let object = try JSONSerialization.jsonObject(with: Data(manifest.body)) as? [String: Any]
            let blobs = [(object?["config"] as? [String: Any])?["digest"] as? String] + (object?["layers"] as? [[String: Any]] ?? []).map { $0["digest"] as? String }
            for digest in blobs.compactMap({ $0 }) {
                #expect(try await proxy.request(.GET, "/v2/cache/team/\(name)/blobs/\(digest)", headers: [Self.admin]).status == 200)
            }
        }
        try await pull("a")
        try await pull("b")
        // `a` is pulled again, later than `b` (pull times are written about every 200 ms).
        try await Task.sleep(for: .milliseconds(1100))
        try await pull("a")
        try await Task.sleep(for: .milliseconds(1100))
        #expect(try await ProxyTests.metric(proxy, "berth_proxy_evicted_total") == 0)
        try await pull("c")

        let evicted = try await Self.waitUntil(seconds: 20) { try await ProxyTests.metric(proxy, "berth_proxy_evicted_total") >= 1 }
        #expect(evicted)
        #expect(try await ProxyTests.metric(proxy, "berth_proxy_evicted_total") == 1)
        let detail = try await proxy.request(.GET, "/api/v1/projects/cache", headers: [Self.admin])
        let used = try detail.json()["storage_bytes"] as? Int ?? -1
        #expect((1..<limit).contains(used), "\(detail.text)")
        #expect((try detail.json()["proxy"] as? [String: Any])?["max_bytes"] as? Int == limit, "\(detail.text)")
        for (name, kept) in [("a", true), ("b", false), ("c", true)] {
            let tags = try await proxy.request(.GET, "/v2/cache/team/\(name)/tags/list", headers: [Self.admin])
            #expect(tags.text.contains("v1") == kept, "\(name): \(tags.status) \(tags.text)")
        }
        // Each cache fill is a push event (by `proxy:<registry>`), as what scans pushes will see;
        // each eviction is recorded as a retention deletion.
        let filled = try await Self.waitUntil(seconds: 10) {
            try await proxy.request(.GET, "/api/v1/audit?project=cache&action=artifact.pushed&actor=proxy:up", headers: [Self.admin])
                .text.components(separatedBy: "proxy:up").count - 1 >= 3
        }
        #expect(filled)
        let recorded = try await Self.waitUntil(seconds: 10) {
            try await proxy.request(.GET, "/api/v1/audit?project=cache&action=retention.deleted", headers: [Self.admin]).text.contains("evicted")
        }
        #expect(recorded, "the eviction is in the audit log")
        // What was evicted is fetched again when asked for.
        let back = try await proxy.request(.GET, "/v2/cache/team/b/manifests/\(images["b"]!)", headers: [Self.admin, ProxyTests.accept])
        #expect(back.status == 200)
        try await proxy.stop()
        try await upstream.stop()
    }

    /// Scan on first fetch: the image a cache fetches is scanned like a
    /// pushed one, its layers fetched from the upstream for it.
    @Test func aCachedImageIsScannedOnItsFirstFetch() async throws {
        let (upstream, _) = try await AuthTests.start()
        let layer = try await ScanningTests.layer([
            "etc/os-release": "ID=debian\nVERSION_ID=\"12\"\n", "var/lib/dpkg/status": ScanningTests.dpkgStatus,
        ])
        let digest = try await ScanningTests.pushImage(upstream, "team/app", tag: "v1", layers: [layer])
        let proxy = try await Self.cache(of: upstream.port) { $0.scanOnPush = true }
        let pulled = try await proxy.request(.GET, "/v2/cache/team/app/manifests/v1", headers: [Self.admin, ProxyTests.accept])
        #expect(pulled.status == 200 && pulled.header("Docker-Content-Digest") == digest.description)
        let report = try await ScanningTests.report(proxy, "cache/team/app", digest, until: ["done", "failed"])
        #expect(report["status"] as? String == "done" && report["packages"] as? Int == 2, "\(report)")
        #expect(try await ProxyTests.blobFetches(upstream) >= 1, "the scan fetched the layer from the upstream")
        try await proxy.stop()
        try await upstream.stop()
    }

    /// A blob of 2 GiB (`BERTH_TEST_LARGE_BLOB_BYTES` to change it) through
    /// a cache running as its own process, whose peak memory is read from
    /// `/proc`. On the filesystem only: the S3 server here keeps objects in memory.
    /// Run alone (`.ci/run` does, with `BERTH_TEST_LARGE_BLOB=1`): 6 GiB of writes beside the rest of the suite
    /// would hold every other server's fsyncs up long enough for their clients to time out.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["BERTH_TEST_LARGE_BLOB"] == "1" && !TestBackends.shared,
                   "runs alone with BERTH_TEST_LARGE_BLOB=1 on the filesystem pass (.ci/run does): 2 GiB saturates the disk"))
    func aLargeBlobPassesThroughTheCacheInBoundedMemory() async throws {
        guard isInstalled("curl") else { throw TestFailure("curl is not installed") }
        let size = Int(ProcessInfo.processInfo.environment["BERTH_TEST_LARGE_BLOB_BYTES"] ?? "") ?? (2 << 30)
        let upstream = try await TestRegistry.start()
        let work = TestRegistry.temporaryFolder()
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let file = work + "/blob"
        let made = try await runCommand(["sh", "-c", "head -c \(size) /dev/urandom > '\(file)' && sha256sum '\(file)'"])
        let hex: String = try #require(made.output.split(separator: " ").first.map(String.init), "\(made.output)")
        let digest = try Digest(parsing: "sha256:" + hex)
        let opened = try await upstream.request(.POST, "/v2/team/big/blobs/uploads/")
        let location = try #require(opened.header("Location"))
        let put = try await runCommand([
            "curl", "-s", "-f", "-o", "/dev/null", "-T", file, "http://127.0.0.1:\(upstream.port)" + withQuery(location, "digest=\(digest)"),
        ])
        #expect(put.status == 0, "\(put.output)")

        let folder = TestRegistry.temporaryFolder()
        let cache = try await BerthProcess.start(dataFolder: folder, extraArguments: try await EventOutboxTests.arguments(folder))
        defer { cache.stopSoon() }
        let idle = cache.memory("VmRSS")
        #expect(try await cache.request(.POST, "/api/v1/registries", headers: [Self.admin, Self.json], body: Content.json([
            "name": "up", "url": "http://127.0.0.1:\(upstream.port)",
        ])).status == 201)
        #expect(try await cache.request(.POST, "/api/v1/projects", headers: [Self.admin, Self.json], body: Content.json([
            "name": "cache", "public": true, "proxy": ["registry": "up"],
        ])).status == 201)
        // The first pull streams it while it is stored; the second reads the cache.
        for _ in 0..<2 {
            let pulled = try await runCommand([
                "sh", "-c",
                "curl -s -f --max-time 900 -u admin:\(AuthTests.adminPassword) http://127.0.0.1:\(cache.port)/v2/cache/team/big/blobs/\(digest) | sha256sum",
            ])
            #expect(pulled.output.hasPrefix(hex), "\(pulled.output)")
        }
        let peak = cache.memory("VmHWM")
        #expect(idle > 0 && peak > 0 && peak < 256 << 20, "idle \(idle >> 20) MiB, peak \(peak >> 20) MiB through a \(size >> 20) MiB blob")
        await cache.stop()
        try await upstream.stop()
        // Gone before the kernel writes them back: what runs next need not wait behind 4 GiB of dirty pages.
        for data in [folder, upstream.dataFolder] { try? FileManager.default.removeItem(atPath: data) }
    }
}
