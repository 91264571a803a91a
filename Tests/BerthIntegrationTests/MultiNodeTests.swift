import AsyncHTTPClient
import BerthMetadata
import BerthServer
import Crypto
import Foundation
import NIOHTTP1
import OCI
import Testing

/// Three `berth serve` processes sharing one PostgreSQL database and one
/// bucket, as behind a load balancer. Runs on the shared backends only.
@Suite("Several nodes on S3 + PostgreSQL", .enabled(if: TestBackends.shared, "needs BERTH_TEST_BACKENDS=s3-postgres"))
struct MultiNodeTests {
    /// Starts `count` nodes on the backends of `folder`, with `extra` settings.
    func startNodes(_ count: Int, folder: String, extra: String = "") async throws -> [BerthProcess] {
        let config = try await TestBackends.configFile(folder)
        try (String(contentsOfFile: config[1], encoding: .utf8) + "\n" + extra).write(toFile: config[1], atomically: true, encoding: .utf8)
        var nodes: [BerthProcess] = []
        for index in 0..<count {
            nodes.append(try await BerthProcess.start(dataFolder: folder + "/node\(index)", extraArguments: config))
        }
        return nodes
    }

    @Test func uploadsMoveBetweenNodesAndSurviveOneDying() async throws {
        let folder = TestRegistry.temporaryFolder()
        let nodes = try await startNodes(3, folder: folder)
        let (a, b, c) = (nodes[0], nodes[1], nodes[2])

        // One chunked upload, each request on another node.
        let bytes = Content.randomBytes((9 << 20) + 123)
        let digest = Content.digest(bytes)
        let started = try await a.request(.POST, "/v2/team/app/blobs/uploads/")
        var location = try #require(started.header("Location"))
        var offset = 0
        for (node, size) in [(b, 6 << 20), (c, 1 << 20)] {
            let chunk = Array(bytes[offset..<offset + size])
            let patched = try await node.request(
                .PATCH, location, headers: [("Content-Range", "\(offset)-\(offset + size - 1)"), ("Content-Type", "application/octet-stream")],
                body: chunk)
            #expect(patched.status == 202, "\(patched.text)")
            location = try #require(patched.header("Location"))
            offset += size
        }
        let put = try await a.request(.PUT, withQuery(location, "digest=\(digest)"), body: Array(bytes[offset...]))
        #expect(put.status == 201, "\(put.text)")
        for node in nodes {
            #expect(try await node.request(.GET, "/v2/team/app/blobs/\(digest)").body == bytes)
        }
        let config = Content.json(["os": "linux"])
        try await b.pushBlob("team/app", config)
        let manifest = Content.imageManifest(config: config, layers: [bytes])
        try await c.pushManifest("team/app", "v1", manifest)
        for node in nodes {
            #expect(try await node.request(.GET, "/v2/team/app/manifests/v1").body == manifest)
        }

        // A node dies (SIGKILL) during a PATCH; the upload goes on elsewhere from what was kept.
        let second = Content.randomBytes(8 << 20)
        let secondDigest = Content.digest(second)
        let session = try await b.request(.POST, "/v2/team/other/blobs/uploads/")
        location = try #require(session.header("Location"))
        let first = try await b.request(.PATCH, location, headers: [("Content-Type", "application/octet-stream")], body: Array(second[..<(5 << 20)]))
        #expect(first.status == 202)
        let file = folder + "/rest"
        try Data(second[(5 << 20)...]).write(to: URL(fileURLWithPath: file))
        let target = b.base + location
        async let slow = runCommand([
            "curl", "-s", "-o", "/dev/null", "--limit-rate", "256k", "--max-time", "10", "-X", "PATCH", "-H", "Expect:",
            "-H", "Content-Type: application/octet-stream", "--data-binary", "@\(file)", target,
        ])
        try await Task.sleep(for: .milliseconds(700))
        b.signal(SIGKILL)
        _ = try await slow
        _ = try await b.waitForExit()
        let status = try await c.request(.GET, location)
        #expect(status.status == 204)
        let kept = (Int(status.header("Range")?.split(separator: "-").last ?? "") ?? -1) + 1
        #expect(kept >= 5 << 20 && kept <= second.count)
        let finished = try await c.request(.PUT, withQuery(location, "digest=\(secondDigest)"), body: Array(second[kept...]))
        #expect(finished.status == 201, "\(finished.text)")
        #expect(try await a.request(.GET, "/v2/team/other/blobs/\(secondDigest)").body == second)
        // Nothing committed before the crash was lost.
        #expect(try await a.request(.GET, "/v2/team/app/blobs/\(digest)").body == bytes)
        #expect(try await c.request(.GET, "/v2/team/app/manifests/v1").body == manifest)
        for node in [a, c] {
            node.signal(SIGTERM)
            _ = try await node.waitForExit()
        }
    }

    /// Node B caches what it serves; node A moves the tag and deletes the
    /// old manifest; B must follow. Then B's notification connection is cut
    /// (pg_terminate_backend) and A moves the tag again while B may not be
    /// listening: B must not serve what it cached before. Each wait is
    /// bounded (30 s) and its time printed; no timing is asserted.
    @Test func eachNodesPullCacheFollowsTheOthersChanges() async throws {
        let folder = TestRegistry.temporaryFolder()
        let nodes = try await startNodes(2, folder: folder)
        let (a, b) = (nodes[0], nodes[1])
        let first = try await a.pushImage("team/app", tag: "v1")
        let pulled = try await b.request(.GET, "/v2/team/app/manifests/v1")
        #expect(pulled.body == first.manifest)
        #expect(try await b.request(.GET, "/v2/team/app/manifests/\(first.digest)").status == 200)

        func waitUntil(_ what: String, _ condition: () async throws -> Bool) async throws -> Bool {
            let started = ContinuousClock.now
            var asked = 0
            while ContinuousClock.now < started + .seconds(30) {
                asked += 1
                if try await condition() {
                    print("node B: \(what) after \(ContinuousClock.now - started), at request \(asked)")
                    return true
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            return false
        }

        let second = try await a.pushImage("team/app", tag: "v1")
        #expect(try await waitUntil("the moved tag") { try await b.request(.GET, "/v2/team/app/manifests/v1").body == second.manifest })
        #expect(try await a.request(.DELETE, "/v2/team/app/manifests/\(first.digest)").status == 202)
        #expect(try await waitUntil("the deleted manifest gone") {
            try await b.request(.GET, "/v2/team/app/manifests/\(first.digest)").status == 404
        })

        let database = try await TestBackends.openBackend(folder)
        // Project settings are cached too, and follow a change made by hand in SQL.
        #expect(try await b.request(
            .PUT, "/v2/team/app/manifests/dev", headers: [("Content-Type", MediaType.ociManifest)], body: second.manifest).status == 201)
        try await database.transaction(durable: true) { db in
            try db.execute(
                "INSERT INTO project_settings (project, name, value, updated_at) VALUES ('team', 'tag-rules', '{\"forbid_only\":[\"dev\"]}', 0)", [])
        }
        #expect(try await waitUntil("the new tag rule") {
            try await b.request(
                .PUT, "/v2/team/app/manifests/dev", headers: [("Content-Type", MediaType.ociManifest)], body: second.manifest).status == 403
        })
        let cut = try await database.read { db in
            try db.rows(
                "SELECT pg_terminate_backend(pid) AS cut FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'berth listener'",
                [])
        }
        #expect(cut.count == 2, "each node listens on a connection of its own")
        let third = try await a.pushImage("team/app", tag: "v1")
        #expect(try await waitUntil("the tag moved while its notifications were cut") {
            try await b.request(.GET, "/v2/team/app/manifests/v1").body == third.manifest
        })
        try await database.close()
        for node in nodes {
            node.signal(SIGTERM)
            _ = try await node.waitForExit()
        }
    }

    /// A node that refused an unsigned artifact (and remembers it) serves
    /// it once another node stored its signature: the database announces
    /// the signature, and the refusal is forgotten.
    @Test func aSignatureStoredThroughOneNodeLiftsAnotherNodesRefusal() async throws {
        let folder = TestRegistry.temporaryFolder()
        let nodes = try await startNodes(2, folder: folder)
        let (a, b) = (nodes[0], nodes[1])
        let (_, digest) = try await a.pushImage("team/app", tag: "v1")
        let key = P256.Signing.PrivateKey()
        let policy = String(decoding: Content.json(["keys": [["name": "ci", "public_key": key.publicKey.pemRepresentation]], "require_trusted": true]), as: UTF8.self)
        let database = try await TestBackends.openBackend(folder)
        try await database.transaction(durable: true) { db in
            try db.execute("INSERT INTO project_settings (project, name, value, updated_at) VALUES ('team', 'signing', ?, 0)", [.text(policy)])
        }
        let started = ContinuousClock.now
        var refused = false
        while !refused, ContinuousClock.now < started + .seconds(30) {
            refused = try await b.request(.GET, "/v2/team/app/manifests/v1").status == 403
            if !refused { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(refused, "node B follows the new signing policy")
        #expect(try await b.request(.GET, "/v2/team/app/manifests/v1").status == 403, "and remembers its refusal")
        try await TestSignatures.pushCosign(a, "team/app", subject: digest, key: key, headers: [])
        var served = false
        let signed = ContinuousClock.now
        while !served, ContinuousClock.now < signed + .seconds(30) {
            served = try await b.request(.GET, "/v2/team/app/manifests/v1").status == 200
            if !served { try await Task.sleep(for: .milliseconds(20)) }
        }
        print("node B: the signed artifact served after \(ContinuousClock.now - signed)")
        #expect(served)
        try await database.close()
        for node in nodes {
            node.signal(SIGTERM)
            _ = try await node.waitForExit()
        }
    }

    /// Two nodes share one limit: each adds its counts to the database
    /// about once a second and learns the other's.
    @Test func rateLimitsHoldAcrossNodes() async throws {
        let folder = TestRegistry.temporaryFolder()
        let nodes = try await startNodes(2, folder: folder, extra: "rate_limit_anonymous: 6/1h\n")
        let (a, b) = (nodes[0], nodes[1])
        _ = try await a.pushImage("team/app", tag: "v1")
        func pull(_ node: BerthProcess) async throws -> Int { try await node.request(.GET, "/v2/team/app/manifests/v1").status }
        for _ in 0..<3 { #expect(try await pull(a) == 200) }
        try await Task.sleep(for: .milliseconds(2500))
        for _ in 0..<3 { #expect(try await pull(b) == 200) }
        try await Task.sleep(for: .milliseconds(2500))
        #expect(try await pull(a) == 429, "node A knows of node B's pulls")
        #expect(try await pull(b) == 429)
        for node in nodes {
            node.signal(SIGTERM)
            _ = try await node.waitForExit()
        }
    }

    /// A listening connection whose peer stops answering (its backend
    /// frozen with SIGSTOP, as a vanished peer behind a NAT would look) is
    /// given up after its heartbeat goes unanswered, and a new one listens.
    /// Bounded wait (60 s); the time is printed, not asserted.
    @Test func aSilentListeningConnectionIsReplaced() async throws {
        let folder = TestRegistry.temporaryFolder()
        let node = try await startNodes(1, folder: folder)[0]
        let database = try await TestBackends.openBackend(folder)
        func listeners() async throws -> [Int64] {
            try await database.read { db in
                try db.rows(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'berth listener'", []
                ).compactMap { row -> Int64? in if case .integer(let pid)? = row.columns["pid"] { pid } else { nil } }
            }
        }
        var first: [Int64] = []
        let started = ContinuousClock.now
        while first.isEmpty, ContinuousClock.now < started + .seconds(30) {
            first = try await listeners()
            try await Task.sleep(for: .milliseconds(100))
        }
        let frozen = try #require(first.first)
        kill(pid_t(frozen), SIGSTOP)
        defer { kill(pid_t(frozen), SIGCONT) }
        let stopped = ContinuousClock.now
        var replaced = false
        while !replaced, ContinuousClock.now < stopped + .seconds(60) {
            try await Task.sleep(for: .milliseconds(250))
            replaced = try await listeners().contains { $0 != frozen }
        }
        print("listening connection replaced after \(ContinuousClock.now - stopped)")
        #expect(replaced)
        #expect(node.log.contains("the caches stand aside"), "\(node.log.suffix(2000))")
        try await database.close()
        node.signal(SIGTERM)
        _ = try await node.waitForExit()
    }

    /// A stop that cannot finish (every database connection of the node
    /// frozen with SIGSTOP) still ends within `shutdown_timeout`: the
    /// process exits with status 1 and the log names the step it was in.
    @Test func aStuckStopEndsWithinTheShutdownTimeout() async throws {
        let folder = TestRegistry.temporaryFolder()
        let node = try await startNodes(1, folder: folder, extra: "shutdown_timeout: 3s\n")[0]
        _ = try await node.pushImage("team/app", tag: "v1")
        let database = try await TestBackends.openBackend(folder)
        let backends = try await database.read { db in
            try db.rows(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()", []
            ).compactMap { row -> Int64? in if case .integer(let pid)? = row.columns["pid"] { pid } else { nil } }
        }
        #expect(!backends.isEmpty)
        for pid in backends { kill(pid_t(pid), SIGSTOP) }
        defer { for pid in backends { kill(pid_t(pid), SIGCONT) } }
        let signalled = ContinuousClock.now
        node.signal(SIGTERM)
        let status = try await node.waitForExit(timeout: 15)
        print("a stuck stop ended after \(ContinuousClock.now - signalled)")
        #expect(status == 1)
        #expect(node.log.contains("the stop did not finish in time"), "\(node.log.suffix(2000))")
        for pid in backends { kill(pid_t(pid), SIGCONT) }
        try await database.close()
    }

    @Test func scheduledJobsRunOnceAcrossTheCluster() async throws {
        let folder = TestRegistry.temporaryFolder()
        // Every node schedules garbage collection every minute.
        let nodes = try await startNodes(3, folder: folder, extra: "gc_schedule: \"* * * * *\"\n")
        try await nodes[0].pushImage("team/app", tag: "v1")
        let metadata = try await SQLStores.open(backend: try await TestBackends.openBackend(folder))
        // Wait (at most 75 s) for the first minute boundary to pass and its run to be recorded.
        var runs: [JobRun] = []
        let deadline = ContinuousClock.now + .seconds(75)
        while runs.isEmpty, ContinuousClock.now < deadline {
            try await Task.sleep(for: .seconds(1))
            runs = try await metadata.jobs.runs(kind: "gc", project: "", limit: 10)
        }
        try await Task.sleep(for: .seconds(3))  // the other nodes have had their turn at the same minute
        runs = try await metadata.jobs.runs(kind: "gc", project: "", limit: 10)
        let minutes = Dictionary(grouping: runs) { Int($0.startedAt.timeIntervalSince1970 / 60) }
        #expect(!runs.isEmpty)
        #expect(minutes.values.allSatisfy { $0.count == 1 }, "one run per scheduled minute: \(runs.map(\.startedAt))")
        for node in nodes {
            node.signal(SIGTERM)
            _ = try await node.waitForExit()
        }
        try await metadata.close()
    }

    @Test func eachReplicationRunsOnOneNodeOfTheCluster() async throws {
        let folder = TestRegistry.temporaryFolder()
        // Token auth: replication is administered through `/api/v1`.
        let arguments = try await EventOutboxTests.arguments(folder) + ["--log-level", "info"]
        var nodes: [BerthProcess] = []
        for index in 0..<2 { nodes.append(try await BerthProcess.start(dataFolder: folder + "/node\(index)", extraArguments: arguments)) }
        let target = try await TestRegistry.start()
        let (admin, json) = (AuthTests.basic("admin"), ("Content-Type", "application/json"))
        #expect(try await nodes[0].request(.POST, "/api/v1/projects", headers: [admin, json], body: Content.json(["name": "team"])).status == 201)
        var pushed: [String: OCI.Digest] = [:]
        for tag in ["v1", "v2", "v3"] { pushed[tag] = try await nodes[0].pushImage("team/app", tag: tag, headers: [admin]).digest }
        let defined = try await nodes[0].request(.POST, "/api/v1/registries", headers: [admin, json], body: Content.json([
            "name": "dr", "url": "http://127.0.0.1:\(target.port)",
        ]))
        #expect(defined.status == 201, "\(defined.text)")
        let rule = try await nodes[1].request(.POST, "/api/v1/replication/rules", headers: [admin, json], body: Content.json([
            "name": "to-dr", "direction": "push", "registry": "dr",
        ]))
        #expect(rule.status == 201, "\(rule.text)")
        // Eight runs queued through both nodes at once: each is claimed by one node, once.
        let (first, second) = (nodes[0], nodes[1])
        let ids = try await withThrowingTaskGroup(of: String?.self) { group in
            for index in 0..<8 {
                let node = index % 2 == 0 ? first : second
                group.addTask {
                    try await node.request(.POST, "/api/v1/replication/rules/to-dr/executions", headers: [admin]).json()["id"] as? String
                }
            }
            return try await group.reduce(into: [String]()) { if let id = $1 { $0.append(id) } }
        }
        #expect(ids.count == 8)
        let deadline = Date().addingTimeInterval(90)
        var statuses: [String: String] = [:]
        while Date() < deadline, statuses.count < ids.count {
            for id in ids where statuses[id] == nil {
                let execution = try await nodes[0].request(.GET, "/api/v1/replication/executions/\(id)", headers: [admin]).json()
                if let status = execution["status"] as? String, status == "succeeded" || status == "failed" { statuses[id] = status }
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(statuses.count == 8 && statuses.values.allSatisfy { $0 == "succeeded" }, "\(statuses)")
        for tag in ["v1", "v2", "v3"] {
            #expect(try await CopyTests.manifestDigest(target, "/v2/team/app/manifests/\(tag)") == pushed[tag])
        }
        // Every node logs each run it finished: in all, each id once.
        let finished = nodes.flatMap { $0.log.split(separator: "\n").filter { $0.contains("replication finished") } }
        for id in ids { #expect(finished.filter { $0.contains(id) }.count == 1, "\(id): \(finished)") }
        for node in nodes {
            node.signal(SIGTERM)
            _ = try await node.waitForExit()
        }
        try await target.stop()
    }
}

@Suite("S3 + PostgreSQL specifics", .enabled(if: TestBackends.shared, "needs BERTH_TEST_BACKENDS=s3-postgres"))
struct SharedBackendTests {
    @Test func nodesStartingTogetherMigrateOnce() async throws {
        let folder = TestRegistry.temporaryFolder()
        var configuration = Configuration()
        try await TestBackends.configure(&configuration, folder: folder)
        let url = try #require(configuration.database)
        // Three nodes open the fresh database at once: one migrates, the others wait and find it done.
        let stores = try await withThrowingTaskGroup(of: SQLStores.self) { group in
            for _ in 0..<3 {
                group.addTask { try await SQLStores.open(backend: try await PostgresBackend(url: url, connections: 1)) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(stores.count == 3)
        for opened in stores {
            let store = opened.content
            #expect(try await store.repositories(after: nil, limit: 10).isEmpty)
            try await opened.close()
        }
    }

    @Test func downloadsCanBeRedirectedToTheBucket() async throws {
        let registry = try await TestRegistry.start { $0.s3RedirectDownloads = true }
        let bytes = Content.randomBytes(3000)
        let digest = try await registry.pushBlob("team/app", bytes)
        // Without following redirects: a 307 to a presigned URL on the object store.
        var request = HTTPClientRequest(url: registry.base + "/v2/team/app/blobs/\(digest)")
        request.method = .GET
        let client = HTTPClient(configuration: .init(redirectConfiguration: .disallow))
        let response = try await client.execute(request, timeout: .seconds(30))
        #expect(response.status.code == 307)
        let location = try #require(response.headers.first(name: "Location"))
        #expect(location.contains("X-Amz-Signature="))
        try await client.shutdown()
        #expect(try await HTTPRequester.send(.GET, location).body == bytes)
        // HEAD and ranges are still answered by Berth.
        #expect(try await registry.request(.HEAD, "/v2/team/app/blobs/\(digest)").status == 200)
        #expect(try await registry.request(.GET, "/v2/team/app/blobs/\(digest)", headers: [("Range", "bytes=0-9")]).body == Array(bytes[0..<10]))
        try await registry.stop()
    }
}
