import Foundation
import OCI
import Testing

/// Replication rules between two Berths with token auth, both real
/// servers on loopback: push and pull rules with filters, referrers that
/// follow their subject, event-triggered copies and deletions.
@Suite("Replication")
struct ReplicationTests {
    static let admin = AuthTests.basic("admin")
    static let json = ("Content-Type", "application/json")

    /// Defines on `registry` the other one as `name`, with the admin's credentials.
    static func define(_ name: String, on registry: TestRegistry, reaching other: TestRegistry) async throws {
        let defined = try await registry.request(.POST, "/api/v1/registries", headers: [admin, json], body: Content.json([
            "name": name, "url": "http://127.0.0.1:\(other.port)", "username": "admin", "password": AuthTests.adminPassword,
        ]))
        #expect(defined.status == 201, "\(defined.text)")
    }

    static func createRule(_ registry: TestRegistry, _ rule: [String: Any]) async throws -> TestResponse {
        try await registry.request(.POST, "/api/v1/replication/rules", headers: [admin, json], body: Content.json(rule))
    }

    /// Runs the rule and waits (at most 60 s) for its execution to end.
    static func run(_ registry: TestRegistry, _ rule: String) async throws -> [String: Any] {
        let queued = try await registry.request(.POST, "/api/v1/replication/rules/\(rule)/executions", headers: [admin])
        #expect(queued.status == 201, "\(queued.text)")
        let id = try #require(try queued.json()["id"] as? String)
        return try await finished(registry, id)
    }

    static func finished(_ registry: TestRegistry, _ id: String) async throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let execution = try await registry.request(.GET, "/api/v1/replication/executions/\(id)", headers: [admin]).json()
            if let status = execution["status"] as? String, status == "succeeded" || status == "failed" { return execution }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw TestFailure("the execution \(id) did not end within 60 s")
    }

    static func digest(_ registry: TestRegistry, _ repository: String, _ reference: String) async throws -> Digest? {
        try await CopyTests.manifestDigest(registry, "/v2/\(repository)/manifests/\(reference)")
    }

    /// Waits (at most 30 s) until `condition` holds.
    static func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(200))
        }
        return false
    }

    @Test func pushRulesCopyWhatTheirFiltersMatchWithReferrersAndFollowEvents() async throws {
        let (source, _) = try await AuthTests.start()
        let (target, _) = try await AuthTests.start { $0.autoCreateProjects = true }
        try await Self.define("dr", on: source, reaching: target)
        let index = try await CopyTests.pushIndex(source, "team/app", tag: "v1")
        let (_, v2) = try await source.pushImage("team/app", tag: "v2", headers: [Self.admin])
        try await source.pushImage("team/app", tag: "dev", headers: [Self.admin])
        try await source.pushImage("open/other", tag: "v1", headers: [Self.admin])
        // A signature-like artifact whose subject is v2.
        let empty = Array("{}".utf8)
        try await source.pushBlob("team/app", empty, headers: [Self.admin])
        let v2Manifest = try await source.request(.GET, "/v2/team/app/manifests/v2", headers: [Self.admin, ProxyTests.accept]).body
        let signature = Content.json([
            "schemaVersion": 2, "mediaType": MediaType.ociManifest, "artifactType": "application/vnd.example.signature",
            "config": Content.descriptor(MediaType.ociEmpty, empty), "layers": [Content.descriptor(MediaType.ociEmpty, empty)],
            "subject": Content.descriptor(MediaType.ociManifest, v2Manifest),
        ])
        let signatureDigest = try await source.pushManifest("team/app", Content.digest(signature).description, signature, headers: [Self.admin])

        // Rules are checked before they are stored.
        for (bad, why) in [
            (["name": "x", "direction": "push", "registry": "nowhere"], "unknown registry"),
            (["name": "x", "direction": "push", "registry": "dr", "tags": "[v"], "bad glob"),
            (["name": "x", "direction": "sideways", "registry": "dr"], "bad direction"),
            (["name": "x", "direction": "pull", "registry": "dr", "trigger": "event"], "event pull rule"),
            (["name": "x", "direction": "push", "registry": "dr", "trigger": "cron", "cron": "every day"], "bad cron"),
            (["name": "x", "direction": "push", "registry": "dr", "destination_namespace": "a/b"], "two-component namespace"),
        ] as [([String: Any], String)] {
            let refused = try await Self.createRule(source, bad)
            #expect(refused.status == 400, "\(why): \(refused.text)")
        }
        let created = try await Self.createRule(source, [
            "name": "to-dr", "direction": "push", "registry": "dr", "repositories": "team/**", "tags": "v*", "destination_namespace": "backup",
        ])
        #expect(created.status == 201, "\(created.text)")
        #expect(try await Self.createRule(source, ["name": "to-dr", "direction": "push", "registry": "dr"]).status == 409)
        let byDeveloper = try await source.request(.POST, "/api/v1/replication/rules/to-dr/executions", headers: [AuthTests.basic("dev")])
        #expect(byDeveloper.status == 403, "\(byDeveloper.text)")

        let execution = try await Self.run(source, "to-dr")
        #expect(execution["status"] as? String == "succeeded", "\(execution)")
        let artifacts = execution["artifacts"] as? [[String: Any]] ?? []
        #expect(Set(artifacts.compactMap { $0["reference"] as? String }) == ["v1", "v2"], "\(artifacts)")
        #expect(artifacts.allSatisfy { $0["status"] as? String == "succeeded" && $0["destination"] as? String == "backup/app" }, "\(artifacts)")
        #expect(artifacts.contains { ($0["bytes"] as? Int ?? 0) > 2 << 20 }, "the index's 2 MiB layer moved: \(artifacts)")
        // Digests kept, the index's images with it, filtered tags and repositories left out, the referrer with its subject.
        #expect(try await Self.digest(target, "backup/app", "v1") == index.index)
        #expect(try await Self.digest(target, "backup/app", index.arm64.description) == index.arm64)
        #expect(try await Self.digest(target, "backup/app", "v2") == v2)
        #expect(try await Self.digest(target, "backup/app", "dev") == nil)
        #expect(try await Self.digest(target, "backup/other", "v1") == nil)
        let referrers = try await target.request(.GET, "/v2/backup/app/referrers/\(v2)", headers: [Self.admin]).text
        #expect(referrers.contains(signatureDigest.description), "\(referrers)")

        // Again: nothing left to do.
        let again = try await Self.run(source, "to-dr")
        let skipped = again["artifacts"] as? [[String: Any]] ?? []
        #expect(skipped.count == 2 && skipped.allSatisfy { $0["status"] as? String == "skipped" }, "\(again)")
        let history = try await source.request(.GET, "/api/v1/replication/rules/to-dr/executions", headers: [Self.admin]).text
        #expect(history.contains(execution["id"] as? String ?? "?") && history.contains(again["id"] as? String ?? "?"), "\(history)")

        // A bandwidth limit: the index's 2 MiB layer at 512 KiB/s takes at least 3 s (4 s, less a burst of one second's worth).
        let slow = try await Self.createRule(source, [
            "name": "slow", "direction": "push", "registry": "dr", "repositories": "team/app", "tags": "v1", "destination_namespace": "slow",
            "bandwidth_kib_per_second": 512,
        ])
        #expect(slow.status == 201, "\(slow.text)")
        #expect(try await Self.createRule(source, ["name": "y", "direction": "push", "registry": "dr", "bandwidth_kib_per_second": 0]).status == 400)
        let throttled = (try await Self.run(source, "slow")["artifacts"] as? [[String: Any]] ?? []).first
        #expect(throttled?["status"] as? String == "succeeded" && (throttled?["duration_ms"] as? Int ?? 0) >= 3000, "\(String(describing: throttled))")

        // A platform filter: the index arrives with its amd64 image only, narrowed (so with a digest of its own).
        let narrow = try await Self.createRule(source, [
            "name": "amd64", "direction": "push", "registry": "dr", "repositories": "team/app", "tags": "v1", "destination_namespace": "amd",
            "platforms": ["linux/amd64"],
        ])
        #expect(narrow.status == 201, "\(narrow.text)")
        #expect(try await Self.createRule(source, ["name": "z", "direction": "push", "registry": "dr", "platforms": ["linux"]]).status == 400)
        let narrowed = try await Self.run(source, "amd64")
        #expect(narrowed["status"] as? String == "succeeded", "\(narrowed)")
        let narrowedIndex = try await target.request(.GET, "/v2/amd/app/manifests/v1", headers: [Self.admin, ProxyTests.accept])
        let entries = (try narrowedIndex.json()["manifests"] as? [[String: Any]] ?? []).compactMap { $0["digest"] as? String }
        #expect(entries == [index.amd64.description], "\(narrowedIndex.text)")
        #expect(try await Self.digest(target, "amd/app", index.arm64.description) == nil)
        #expect(try await Self.digest(target, "amd/app", index.amd64.description) == index.amd64)
        let again2 = try await Self.run(source, "amd64")
        #expect((again2["artifacts"] as? [[String: Any]])?.first?["status"] as? String == "skipped", "\(again2)")

        // An event rule: a push is copied within seconds, and a deleted tag is deleted there too.
        let live = try await Self.createRule(source, [
            "name": "live", "direction": "push", "registry": "dr", "repositories": "team/*", "destination_namespace": "live",
            "trigger": "event", "replicate_deletions": true,
        ])
        #expect(live.status == 201, "\(live.text)")
        let (_, v3) = try await source.pushImage("team/app", tag: "v3", headers: [Self.admin])
        #expect(try await Self.eventually { try await Self.digest(target, "live/app", "v3") == v3 }, "v3 did not arrive within 30 s")
        let deleted = try await source.request(.DELETE, "/v2/team/app/manifests/v3", headers: [Self.admin])
        #expect(deleted.status == 202, "\(deleted.text)")
        #expect(try await Self.eventually { try await Self.digest(target, "live/app", "v3") == nil }, "v3 was not deleted within 30 s")
        // Only what matched arrived: the earlier tags were pushed before the rule existed.
        #expect(try await Self.digest(target, "live/app", "dev") == nil)

        let removed = try await source.request(.DELETE, "/api/v1/replication/rules/live", headers: [Self.admin])
        #expect(removed.status == 204)
        try await source.stop()
        try await target.stop()
    }

    @Test func pullRulesBringAnotherRegistrysRepositoriesIn() async throws {
        let (local, _) = try await AuthTests.start()
        let (remote, _) = try await AuthTests.start()
        try await Self.define("up", on: local, reaching: remote)
        let (_, one) = try await remote.pushImage("team/app", tag: "1.0", headers: [Self.admin])
        try await remote.pushImage("team/app", tag: "1.0-rc", headers: [Self.admin])
        try await remote.pushImage("team/tool", tag: "1.0", headers: [Self.admin])
        let (_, v121) = try await remote.pushImage("team/app", tag: "v1.2.1", headers: [Self.admin])
        try await remote.pushImage("team/app", tag: "v2.0.0", headers: [Self.admin])
        let created = try await Self.createRule(local, [
            "name": "from-up", "direction": "pull", "registry": "up", "repositories": "team/*", "exclude_repositories": "team/tool",
            "tags": "1.*", "exclude_tags": "*-rc", "destination_namespace": "open",
        ])
        #expect(created.status == 201, "\(created.text)")
        // The private project `team` upstream is listed with the rule's credentials.
        let execution = try await Self.run(local, "from-up")
        #expect(execution["status"] as? String == "succeeded", "\(execution)")
        let artifacts = execution["artifacts"] as? [[String: Any]] ?? []
        #expect(artifacts.count == 1 && artifacts.first?["destination"] as? String == "open/app", "\(artifacts)")
        #expect(try await Self.digest(local, "open/app", "1.0") == one)
        #expect(try await Self.digest(local, "open/app", "1.0-rc") == nil)
        #expect(try await Self.digest(local, "open/tool", "1.0") == nil)

        // Tags by semantic version range.
        let ranged = try await Self.createRule(local, [
            "name": "ranged", "direction": "pull", "registry": "up", "repositories": "team/app", "tag_versions": "^1.2.0",
            "destination_namespace": "open",
        ])
        #expect(ranged.status == 201, "\(ranged.text)")
        #expect(try await Self.createRule(local, ["name": "w", "direction": "pull", "registry": "up", "tag_versions": "1.x"]).status == 400)
        let byVersion = try await Self.run(local, "ranged")
        #expect((byVersion["artifacts"] as? [[String: Any]] ?? []).compactMap { $0["reference"] as? String } == ["v1.2.1"], "\(byVersion)")
        #expect(try await Self.digest(local, "open/app", "v1.2.1") == v121)
        #expect(try await Self.digest(local, "open/app", "v2.0.0") == nil)

        // A destination project that does not exist: each artifact fails, saying why.
        let nowhere = try await Self.createRule(local, [
            "name": "nowhere", "direction": "pull", "registry": "up", "repositories": "team/app", "destination_namespace": "missing",
        ])
        #expect(nowhere.status == 201, "\(nowhere.text)")
        let failed = try await Self.run(local, "nowhere")
        #expect(failed["status"] as? String == "failed", "\(failed)")
        #expect((failed["artifacts"] as? [[String: Any]] ?? []).allSatisfy { ($0["error"] as? String ?? "").isEmpty == false }, "\(failed)")
        try await local.stop()
        try await remote.stop()
    }

    /// Pushes an image whose config carries `labels`, tagged `tag`, with an optional `artifactType`.
    static func pushLabelled(
        _ registry: TestRegistry, _ repository: String, tag: String, labels: [String: String], artifactType: String? = nil
    ) async throws -> Digest {
        let config = Content.json(["architecture": "amd64", "os": "linux", "config": ["Labels": labels], "nonce": UUID().uuidString])
        let layer = Content.randomBytes(500)
        try await registry.pushBlob(repository, config, headers: [admin])
        try await registry.pushBlob(repository, layer, headers: [admin])
        let manifest = Content.imageManifest(config: config, layers: [layer], extra: artifactType.map { ["artifactType": $0] } ?? [:])
        return try await registry.pushManifest(repository, tag, manifest, headers: [admin])
    }

    @Test func labelAndArtifactTypeFiltersChooseWhatIsCopied() async throws {
        let (source, _) = try await AuthTests.start()
        let (target, _) = try await AuthTests.start { $0.autoCreateProjects = true }
        try await Self.define("dr", on: source, reaching: target)
        let released = try await Self.pushLabelled(source, "team/app", tag: "released", labels: ["tier": "prod", "team": "a"])
        _ = try await Self.pushLabelled(source, "team/app", tag: "staging", labels: ["tier": "staging", "team": "a"])
        _ = try await Self.pushLabelled(source, "team/app", tag: "legacy", labels: ["tier": "prod", "deprecated": "yes"])
        let chart = try await Self.pushLabelled(source, "team/app", tag: "chart", labels: [:], artifactType: "application/vnd.cncf.helm.config.v1+json")

        for (bad, why) in [
            (["name": "x", "direction": "push", "registry": "dr", "labels": ["=v"]], "empty label key"),
            (["name": "x", "direction": "push", "registry": "dr", "labels": [] as [String]], "no labels"),
            (["name": "x", "direction": "push", "registry": "dr", "artifact_types": ["[x"]], "bad type glob"),
        ] as [([String: Any], String)] {
            let refused = try await Self.createRule(source, bad)
            #expect(refused.status == 400, "\(why): \(refused.text)")
        }
        // Images labelled tier=prod, less those deprecated; no Helm charts.
        let created = try await Self.createRule(source, [
            "name": "prod", "direction": "push", "registry": "dr", "labels": ["tier=prod"], "exclude_labels": ["deprecated"],
            "exclude_artifact_types": ["application/vnd.cncf.helm.*"],
        ])
        #expect(created.status == 201, "\(created.text)")
        let shown = try await source.request(.GET, "/api/v1/replication/rules/prod", headers: [Self.admin]).json()
        #expect(shown["exclude_labels"] as? [String] == ["deprecated"], "\(shown)")
        let execution = try await Self.run(source, "prod")
        #expect(execution["status"] as? String == "succeeded", "\(execution)")
        let copied = (execution["artifacts"] as? [[String: Any]] ?? []).compactMap { $0["reference"] as? String }
        #expect(copied == ["released"], "\(execution)")
        #expect(try await Self.digest(target, "team/app", "released") == released)
        #expect(try await Self.digest(target, "team/app", "legacy") == nil)

        // Only Helm charts, by artifact type.
        #expect(try await Self.createRule(source, [
            "name": "charts", "direction": "push", "registry": "dr", "artifact_types": ["application/vnd.cncf.helm.config.v1+json"],
            "destination_namespace": "charts",
        ]).status == 201)
        let charts = try await Self.run(source, "charts")
        #expect((charts["artifacts"] as? [[String: Any]] ?? []).compactMap { $0["reference"] as? String } == ["chart"], "\(charts)")
        #expect(try await Self.digest(target, "charts/app", "chart") == chart)
        try await source.stop()
        try await target.stop()
    }

    @Test func aBlobCutOffMidwayResumesWhereTheTargetsCopyEnds() async throws {
        let (source, _) = try await AuthTests.start()
        let (target, _) = try await AuthTests.start { $0.autoCreateProjects = true }
        let size = 8 << 20
        let config = Content.json(["architecture": "amd64", "os": "linux"])
        let layer = Content.randomBytes(size)
        try await source.pushBlob("team/big", config, headers: [Self.admin])
        try await source.pushBlob("team/big", layer, headers: [Self.admin])
        let digest = try await source.pushManifest("team/big", "v1", Content.imageManifest(config: config, layers: [layer]), headers: [Self.admin])
        // The relay drops the connection 6 MiB into what it forwards: in the middle of the layer.
        let relay = try await CuttingRelay.start(to: target.port, cutAfter: 6 << 20)
        defer { relay.stopSoon() }
        let defined = try await source.request(.POST, "/api/v1/registries", headers: [Self.admin, Self.json], body: Content.json([
            "name": "far", "url": "http://127.0.0.1:\(relay.port)", "username": "admin", "password": AuthTests.adminPassword,
        ]))
        #expect(defined.status == 201, "\(defined.text)")
        #expect(try await Self.createRule(source, ["name": "far", "direction": "push", "registry": "far", "repositories": "team/big"]).status == 201)

        let execution = try await Self.run(source, "far")
        #expect(execution["status"] as? String == "succeeded", "\(execution)")
        #expect(try await Self.digest(target, "team/big", "v1") == digest)
        let stats = try relay.stats()
        #expect(stats.cut, "the relay never cut a connection")
        // Resumed, not sent again whole: less than twice the layer went through.
        #expect(stats.sent < 2 * size, "\(stats.sent) bytes sent for a \(size)-byte layer")
        try await source.stop()
        try await target.stop()
    }
}
