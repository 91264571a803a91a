import Foundation
import NIOHTTP1
import OCI
import Testing

@Suite("Retention policies over HTTP")
struct RetentionPolicyTests {
    static let json = ("Content-Type", "application/json")

    @Test func dryRunThenRealRun() async throws {
        let (registry, _) = try await AuthTests.start()
        let admin = AuthTests.basic("admin")
        var digests: [String: Digest] = [:]
        for tag in ["v1", "v2", "v3", "dev-a", "dev-b"] {
            digests[tag] = try await registry.pushImage("team/app", tag: tag, headers: [admin]).digest
            try await Task.sleep(for: .milliseconds(5))
        }
        let (untaggedManifest, _) = try await registry.pushImage("team/app", tag: "tmp", headers: [admin])
        #expect(try await registry.request(.DELETE, "/v2/team/app/manifests/tmp", headers: [admin]).status == 202)
        let untagged = Content.digest(untaggedManifest)
        let other = try await registry.pushImage("team/other", tag: "v1", headers: [admin]).digest
        // dev-a was pulled; v1 is immutable.
        _ = try await registry.request(.GET, "/v2/team/app/manifests/dev-a", headers: [admin])
        #expect(try await registry.request(
            .POST, "/api/v1/projects/team/immutability-rules", headers: [admin, Self.json], body: Content.json(["repository": "**", "tag": "v1"])).status == 201)
        try await Task.sleep(for: .milliseconds(600))  // pull times are written in batches

        let policy = Content.json([
            "rules": [
                ["repositories": "app", "tags": "v*", "keep": "most_recently_pushed", "count": 1],
                ["repositories": "app", "tags": "dev-*", "keep": "most_recently_pulled", "count": 1],
            ],
        ])
        #expect(try await registry.request(.PUT, "/api/v1/projects/team/retention", headers: [AuthTests.basic("maint"), Self.json], body: policy).status == 403)
        #expect(try await registry.request(.PUT, "/api/v1/projects/team/retention", headers: [admin, Self.json],
            body: Content.json(["rules": [["keep": "most_recently_pushed"]]])).status == 400)
        #expect(try await registry.request(.PUT, "/api/v1/projects/team/retention", headers: [admin, Self.json], body: policy).status == 200)
        #expect(try await registry.request(.GET, "/api/v1/projects/team/retention", headers: [AuthTests.basic("guest")]).text.contains("most_recently_pulled"))

        let dry = try await registry.request(.POST, "/api/v1/projects/team/retention/runs", headers: [admin, Self.json], body: Content.json(["dry_run": true]))
        #expect(dry.status == 201)
        let preview = try dry.json()
        #expect(preview["dry_run"] as? Bool == true)
        let previewed = Set(((preview["artifacts"] as? [[String: Any]]) ?? []).compactMap { $0["digest"] as? String })
        // v2, dev-b and the untagged image would go; v1 is immutable, v3 newest, dev-a pulled.
        let doomed = Set([digests["v2"]!, digests["dev-b"]!, untagged].map(\.description))
        #expect(previewed == doomed.union([digests["v1"]!.description]))
        #expect(preview["would_delete"] as? Int == 3 && preview["deleted"] == nil && preview["kept_immutable"] as? Int == 1)
        for digest in doomed {
            #expect(try await registry.request(.HEAD, "/v2/team/app/manifests/\(digest)", headers: [admin]).status == 200)
        }

        let real = try await registry.request(.POST, "/api/v1/projects/team/retention/runs", headers: [admin])
        let report = try real.json()
        #expect(report["deleted"] as? Int == 3 && report["kept_immutable"] as? Int == 1)
        for digest in doomed {
            #expect(try await registry.request(.HEAD, "/v2/team/app/manifests/\(digest)", headers: [admin]).status == 404)
        }
        for tag in ["v1", "v3", "dev-a"] {
            #expect(try await registry.request(.HEAD, "/v2/team/app/manifests/\(tag)", headers: [admin]).status == 200, "\(tag)")
        }
        #expect(try await registry.request(.HEAD, "/v2/team/other/manifests/\(other)", headers: [admin]).status == 200, "no rule selects team/other")

        let runs = try await registry.request(.GET, "/api/v1/projects/team/retention/runs", headers: [AuthTests.basic("guest")])
        let listed = try #require(try JSONSerialization.jsonObject(with: Data(runs.body)) as? [[String: Any]])
        #expect(listed.count == 2)
        #expect(listed.first?["dry_run"] as? Bool == false && listed.last?["dry_run"] as? Bool == true)
        #expect((listed.first?["result"] as? [String: Any])?["deleted"] as? Int == 3)
        let metrics = try await registry.request(.GET, "/metrics").text
        #expect(metrics.contains("berth_retention_deleted_total 3"))
        #expect(try await registry.request(.DELETE, "/api/v1/projects/team/retention", headers: [admin]).status == 204)
        #expect(try await registry.request(.POST, "/api/v1/projects/team/retention/runs", headers: [admin]).status == 404)
        try await registry.stop()
    }
}
