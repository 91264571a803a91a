import BerthPolicies
import Foundation
import OCI
import Testing

/// Pull-through cache projects: a Berth (token auth) in front of another
/// Berth (token auth) as its upstream, both real servers on loopback.
@Suite("Pull-through cache projects")
struct ProxyTests {
    static let admin = AuthTests.basic("admin")
    static let accept = ("Accept", "\(MediaType.ociIndex), \(MediaType.ociManifest)")

    /// The upstream's successful blob GETs, from its `/metrics`.
    static func blobFetches(_ upstream: TestRegistry) async throws -> Int {
        let text = try await upstream.request(.GET, "/metrics").text
        return text.split(separator: "\n").filter { $0.hasPrefix("berth_http_requests_total{route=\"blob\",method=\"GET\",status=\"200\"}") }
            .compactMap { $0.split(separator: " ").last.flatMap { Int($0) } }.reduce(0, +)
    }

    static func metric(_ registry: TestRegistry, _ name: String) async throws -> Int {
        let text = try await registry.request(.GET, "/metrics").text
        return text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { $0.split(separator: " ").last }.flatMap { Int($0) } ?? -1
    }

    @Test func theCacheServesWhatItFetchedEvenWhenTheUpstreamIsGone() async throws {
        // The upstream limits pulls as Docker Hub does, and says what is left (`RateLimit-Remaining`).
        let (upstream, _) = try await AuthTests.start { $0.rateLimits = PullRateLimits(users: RateLimit("1000/1h")) }
        let (proxy, _) = try await AuthTests.start()
        let json = ("Content-Type", "application/json")
        let (_, v1) = try await upstream.pushImage("team/app", tag: "v1", headers: [Self.admin])

        // The registry: its password is taken, sealed, and never shown.
        let defined = try await proxy.request(.POST, "/api/v1/registries", headers: [Self.admin, json], body: Content.json([
            "name": "up", "url": "http://127.0.0.1:\(upstream.port)", "username": "admin", "password": AuthTests.adminPassword,
        ]))
        #expect(defined.status == 201, "\(defined.text)")
        let listed = try await proxy.request(.GET, "/api/v1/registries", headers: [Self.admin])
        #expect(listed.status == 200 && !listed.text.contains(AuthTests.adminPassword) && listed.text.contains("\"up\""), "\(listed.text)")
        let ping = try await proxy.request(.POST, "/api/v1/registries/up/ping", headers: [Self.admin])
        #expect(try ping.json()["ok"] as? Bool == true, "\(ping.text)")
        let badURL = try await proxy.request(.POST, "/api/v1/registries", headers: [Self.admin, json], body: Content.json([
            "name": "bad", "url": "ftp://x/y",
        ]))
        #expect(badURL.status == 400, "\(badURL.text)")
        let unknownRegistry = try await proxy.request(.POST, "/api/v1/projects", headers: [Self.admin, json], body: Content.json([
            "name": "nothere", "proxy": ["registry": "missing"],
        ]))
        #expect(unknownRegistry.status == 400, "\(unknownRegistry.text)")
        // A user who may create projects may not lend the registry's credentials to one.
        let byUser = try await proxy.request(.PUT, "/api/v1/projects/team/proxy", headers: [AuthTests.basic("dev"), json], body: Content.json([
            "registry": "up",
        ]))
        #expect(byUser.status == 403, "\(byUser.text)")

        let created = try await proxy.request(.POST, "/api/v1/projects", headers: [Self.admin, json], body: Content.json([
            "name": "mirror", "public": true, "proxy": ["registry": "up", "ttl_seconds": 1],
        ]))
        #expect(created.status == 201, "\(created.text)")
        let shown = try await proxy.request(.GET, "/api/v1/projects/mirror", headers: [Self.admin])
        #expect((try shown.json()["proxy"] as? [String: Any])?["registry"] as? String == "up", "\(shown.text)")

        // First pull: fetched from upstream; the digest is the upstream's.
        let first = try await proxy.request(.GET, "/v2/mirror/team/app/manifests/v1", headers: [Self.admin, Self.accept])
        #expect(first.status == 200 && first.header("Docker-Content-Digest") == v1.description, "\(first.text)")
        let manifest = try JSONSerialization.jsonObject(with: Data(first.body)) as? [String: Any]
        let layers = (manifest?["layers"] as? [[String: Any]] ?? []).compactMap { $0["digest"] as? String }
        let layer = try #require(layers.first)
        let left = try await Self.metric(proxy, "berth_proxy_upstream_ratelimit_remaining{registry=\"up\"}")
        #expect((0..<1000).contains(left), "the upstream's remaining pulls as a gauge: \(left)")

        // Sixteen concurrent pulls of a blob not cached yet: one upstream fetch.
        let before = try await Self.blobFetches(upstream)
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<16 { group.addTask { try await proxy.request(.GET, "/v2/mirror/team/app/blobs/\(layer)", headers: [Self.admin]).status } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses.allSatisfy { $0 == 200 }, "\(statuses)")
        #expect(try await Self.blobFetches(upstream) - before == 1)

        // Pushes into the cache are refused.
        let push = try await proxy.request(.POST, "/v2/mirror/team/app/blobs/uploads/?digest=\(Content.digest([1, 2, 3]))",
                                           headers: [Self.admin], body: [1, 2, 3])
        #expect(push.status == 403 && push.errorCodes == ["DENIED"], "\(push.text)")
        // Also when the body is chunked, with no length declared.
        let opened = try await proxy.request(.POST, "/v2/mirror/team/app/blobs/uploads/", headers: [Self.admin])
        let location = try #require(opened.header("Location"))
        let chunked = "PUT \(withQuery(location, "digest=\(Content.digest([1, 2, 3]))")) HTTP/1.1\r\nHost: x\r\nAuthorization: \(Self.admin.1)\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n3\r\n"
        let answer = try await RawHTTP.exchange(port: proxy.port, Array(chunked.utf8) + [1, 2, 3] + Array("\r\n0\r\n\r\n".utf8))
        #expect(answer.status == 403, "\(answer.text)")

        // The tag moves upstream: served from the cache until its TTL (1 s) ends, then the new digest.
        let (_, v1b) = try await upstream.pushImage("team/app", tag: "v1", headers: [Self.admin])
        try await Task.sleep(for: .milliseconds(1200))
        let moved = try await proxy.request(.GET, "/v2/mirror/team/app/manifests/v1", headers: [Self.admin, Self.accept])
        #expect(moved.header("Docker-Content-Digest") == v1b.description, "\(moved.status) \(moved.text)")

        // The upstream stops: tags and digests still come from the cache; a miss names the upstream.
        try await upstream.stop()
        try await Task.sleep(for: .milliseconds(1200))
        let stale = try await proxy.request(.GET, "/v2/mirror/team/app/manifests/v1", headers: [Self.admin, Self.accept])
        #expect(stale.status == 200 && stale.header("Docker-Content-Digest") == v1b.description, "\(stale.status) \(stale.text)")
        let byDigest = try await proxy.request(.GET, "/v2/mirror/team/app/manifests/\(v1)", headers: [Self.admin, Self.accept])
        #expect(byDigest.status == 200, "\(byDigest.text)")
        let blob = try await proxy.request(.GET, "/v2/mirror/team/app/blobs/\(layer)", headers: [Self.admin])
        #expect(blob.status == 200)
        let miss = try await proxy.request(.GET, "/v2/mirror/team/other/manifests/v9", headers: [Self.admin, Self.accept])
        #expect(miss.status == 502 && miss.text.contains("upstream up"), "\(miss.status) \(miss.text)")
        #expect(try await Self.metric(proxy, "berth_proxy_served_stale_total") >= 1)
        #expect(try await Self.metric(proxy, "berth_proxy_misses_total") >= 2)

        // The registry is deleted: what is cached is still served; a miss is a 502 that says why.
        #expect(try await proxy.request(.DELETE, "/api/v1/registries/up", headers: [Self.admin]).status == 204)
        let orphaned = try await proxy.request(.GET, "/v2/mirror/team/app/manifests/\(v1)", headers: [Self.admin, Self.accept])
        #expect(orphaned.status == 200, "\(orphaned.status) \(orphaned.text)")
        let unusable = try await proxy.request(.GET, "/v2/mirror/team/other/manifests/\(v1)", headers: [Self.admin, Self.accept])
        #expect(unusable.status == 502 && unusable.text.contains("not defined"), "\(unusable.status) \(unusable.text)")
        try await proxy.stop()
    }

    @Test func skopeoPullsAnIndexThroughTheCache() async throws {
        guard isInstalled("skopeo") else { throw TestFailure("skopeo is not installed") }
        let (upstream, _) = try await AuthTests.start()
        let (proxy, _) = try await AuthTests.start()
        let json = ("Content-Type", "application/json")
        let pushed = try await CopyTests.pushIndex(upstream, "team/multi", tag: "2.0")
        _ = try await proxy.request(.POST, "/api/v1/registries", headers: [Self.admin, json], body: Content.json([
            "name": "up", "url": "http://127.0.0.1:\(upstream.port)", "username": "admin", "password": AuthTests.adminPassword,
        ]))
        let created = try await proxy.request(.POST, "/api/v1/projects", headers: [Self.admin, json], body: Content.json([
            "name": "mirror", "public": true, "proxy": ["registry": "up"],
        ]))
        #expect(created.status == 201, "\(created.text)")
        let folder = TestRegistry.temporaryFolder()
        let out = try await runCommand([
            "skopeo", "copy", "--all", "--src-tls-verify=false", "--src-creds", "admin:\(AuthTests.adminPassword)",
            "docker://127.0.0.1:\(proxy.port)/mirror/team/multi:2.0", "oci:\(folder)/layout:2.0",
        ])
        #expect(out.status == 0, "\(out.output)")
        let digest = try await proxy.request(.HEAD, "/v2/mirror/team/multi/manifests/2.0", headers: [Self.admin, Self.accept])
        #expect(digest.header("Docker-Content-Digest") == pushed.index.description)
        try await upstream.stop()
        try await proxy.stop()
    }

    /// Mirror mode: names without a project (as docker's `registry-mirrors`
    /// asks for them) are served from the mirror project, also through the
    /// token dance (skopeo asks for a token for `library/app`).
    @Test func mirrorModeServesNamesWithoutAProject() async throws {
        let (upstream, _) = try await AuthTests.start { $0.autoCreateProjects = true }
        let (proxy, _) = try await AuthTests.start { $0.mirrorProject = "mirror" }
        let json = ("Content-Type", "application/json")
        let (_, digest) = try await upstream.pushImage("library/app", tag: "v1", headers: [Self.admin])
        _ = try await proxy.request(.POST, "/api/v1/registries", headers: [Self.admin, json], body: Content.json([
            "name": "up", "url": "http://127.0.0.1:\(upstream.port)", "username": "admin", "password": AuthTests.adminPassword,
        ]))
        let created = try await proxy.request(.POST, "/api/v1/projects", headers: [Self.admin, json], body: Content.json([
            "name": "mirror", "public": true, "proxy": ["registry": "up"],
        ]))
        #expect(created.status == 201, "\(created.text)")

        let direct = try await proxy.request(.GET, "/v2/library/app/manifests/v1", headers: [Self.admin, Self.accept])
        #expect(direct.status == 200 && direct.header("Docker-Content-Digest") == digest.description, "\(direct.status) \(direct.text)")
        let prefixed = try await proxy.request(.GET, "/v2/mirror/library/app/manifests/v1", headers: [Self.admin, Self.accept])
        #expect(prefixed.header("Docker-Content-Digest") == digest.description)
        // A name in an existing project stays in it.
        _ = try await proxy.pushImage("team/app", tag: "mine", headers: [Self.admin])
        #expect(try await proxy.request(.GET, "/v2/team/app/manifests/mine", headers: [Self.admin, Self.accept]).status == 200)

        // containerd names the registry it wants (`?ns=`): the proxy project bound to that host serves the name.
        _ = try await proxy.request(.POST, "/api/v1/registries", headers: [Self.admin, json], body: Content.json([
            "name": "up-by-name", "url": "http://localhost:\(upstream.port)", "username": "admin", "password": AuthTests.adminPassword,
        ]))
        _ = try await proxy.request(.POST, "/api/v1/projects", headers: [Self.admin, json], body: Content.json([
            "name": "other", "public": true, "proxy": ["registry": "up-by-name"],
        ]))
        let byHost = try await proxy.request(.GET, "/v2/library/app/manifests/v1?ns=localhost:\(upstream.port)", headers: [Self.admin, Self.accept])
        #expect(byHost.status == 200 && byHost.header("Docker-Content-Digest") == digest.description, "\(byHost.status) \(byHost.text)")
        let catalog = try await proxy.request(.GET, "/v2/_catalog", headers: [Self.admin]).text
        #expect(catalog.contains("other/library/app"), "\(catalog)")
        // A host no project mirrors: the mirror project, as without `ns`.
        let unbound = try await proxy.request(.GET, "/v2/library/app/manifests/v1?ns=quay.io", headers: [Self.admin, Self.accept])
        #expect(unbound.status == 200, "\(unbound.text)")

        guard isInstalled("skopeo") else { return }
        let inspected = try await runCommand([
            "skopeo", "inspect", "--raw", "--tls-verify=false", "--creds", "admin:\(AuthTests.adminPassword)",
            "docker://127.0.0.1:\(proxy.port)/library/app:v1",
        ])
        #expect(inspected.status == 0 && Content.digest(Array(inspected.output.utf8)) == digest, "\(inspected.output)")
        try await upstream.stop()
        try await proxy.stop()
    }
}
