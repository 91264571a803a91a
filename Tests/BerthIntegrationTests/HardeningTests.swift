import BerthAuth
import BerthMetadata
@testable import BerthServer
import Foundation
import NIOHTTP1
import OCI
import Testing

/// Requests an attacker or a careless client sends, each of which once
/// stopped the process, answered 500, or did something destructive.
@Suite("Hardening: hostile input, destructive defaults, things left behind")
struct HardeningTests {
    static let admin = AuthTests.basic("admin")
    static let json = ("Content-Type", "application/json")

    /// The process still serves: `/healthz` answers (a crash throws). A 503 is an answer too: it says the
    /// database took over 2 s, which a loaded CI machine can make it do, and is not what these tests are about.
    static func healthy(_ registry: TestRegistry) async throws -> Bool {
        let status = try await registry.request(.GET, "/healthz").status
        return status == 200 || status == 503
    }

    @Test func chunkRangesUpToInt64MaxAreRefused() async throws {
        let registry = try await TestRegistry.start()
        let location = try await registry.startUpload("team/app")
        for range in ["0-9223372036854775807", "9223372036854775806-9223372036854775807", "0-9223372036854775808", "68719476736-68719476745"] {
            let response = try await registry.request(.PATCH, location, headers: [("Content-Range", range)], body: Content.randomBytes(10))
            #expect((400..<500).contains(response.status), "\(range): \(response.status)")
            #expect(try await Self.healthy(registry))
        }
        let sized = try await registry.request(.PATCH, location, headers: [("Content-Range", "0-9223372036854775807")], body: Content.randomBytes(10))
        #expect(sized.status == 400 && sized.errorCodes == ["SIZE_INVALID"])
        try await registry.stop()
    }

    @Test func declaredLengthsNearInt64MaxAreRefusedBeforeReading() async throws {
        // A blob limit as large as Int64 lets the length reach the quota sum.
        let registry = try await TestRegistry.start { $0.maxBlobSize = .max }
        let accounts = SQLAccountStore(backend: try await TestBackends.openBackend(registry.dataFolder))
        try await accounts.createProject(Project(name: "team", isPublic: false))
        _ = try await accounts.setProjectQuota("team", bytes: 1 << 20)
        let digest = Content.digest(Content.randomBytes(8))
        for length in ["9223372036854775807", "9223372036854775806", "18446744073709551616", "-1", "1e3"] {
            let head = "POST /v2/team/app/blobs/uploads/?digest=\(digest) HTTP/1.1\r\nHost: x\r\nContent-Length: \(length)\r\n\r\n"
            let answer = try await RawHTTP.exchange(port: registry.port, Array(head.utf8) + Content.randomBytes(8))
            #expect(answer.status.map { (400..<500).contains($0) } ?? true, "\(length): \(answer.text.prefix(200))")
            #expect(try await Self.healthy(registry), "after Content-Length \(length)")
        }
        // Through a session: the quota refuses, and the refused upload is gone at once.
        let location = try await registry.startUpload("team/app")
        let head = "PATCH \(location) HTTP/1.1\r\nHost: x\r\nContent-Length: 9223372036854775807\r\n\r\n"
        // The quota check reads the database: on a loaded machine with S3 + PostgreSQL it can outlast 10 s.
        let answer = try await RawHTTP.exchange(port: registry.port, Array(head.utf8) + Content.randomBytes(8), timeout: 60)
        #expect(answer.status == 403 && answer.text.contains("quota exceeded"), "\(answer.text.prefix(300))")
        #expect(try await registry.request(.GET, location).errorCodes == ["BLOB_UPLOAD_UNKNOWN"])
        #expect(try await Self.healthy(registry))
        try await registry.stop()
    }

    @Test func numbersInBodiesAreBoundedAndMalformedBodiesDeleteNothing() async throws {
        let (registry, _) = try await AuthTests.start()
        let lone = try await registry.pushBlob("team/app", Content.randomBytes(100), headers: [Self.admin])
        for days in ["1e13", "10000000000000", "200000000000", "1e300", "-1e300", "18446744073709551616"] {
            let body = Array(#"{"name":"ci\#(abs(days.hashValue) % 1000)","permissions":["pull"],"expires_in_days":\#(days)}"#.utf8)
            let response = try await registry.request(.POST, "/api/v1/projects/team/robots", headers: [Self.admin, Self.json], body: body)
            #expect(response.status == 400, "expires_in_days \(days): \(response.status) \(response.text)")
        }
        for grace in ["1e300", "-1", "1e20", "\"x\""] {
            let body = Array(#"{"dry_run":true,"grace_seconds":\#(grace)}"#.utf8)
            #expect(try await registry.request(.POST, "/api/v1/gc", headers: [Self.admin, Self.json], body: body).status == 400, "\(grace)")
        }
        // A body that does not parse is refused: it never falls back to a real run.
        for body in [#"{"dry_run":"yes","grace_seconds":0}"#, "{dry_run: true}", "[]", "null", #"{"dry_run":1}"#] {
            let gc = try await registry.request(.POST, "/api/v1/gc", headers: [Self.admin, Self.json], body: Array(body.utf8))
            #expect(gc.status == 400, "gc \(body): \(gc.status)")
        }
        #expect(try await registry.request(.HEAD, "/v2/team/app/blobs/\(lone)", headers: [Self.admin]).status == 200)
        let policy = Content.json(["rules": [["repositories": "**", "tags": "**", "untagged": true, "keep": "most_recently_pushed", "count": 1]]])
        #expect(try await registry.request(.PUT, "/api/v1/projects/team/retention", headers: [Self.admin, Self.json], body: policy).status == 200)
        let run = try await registry.request(
            .POST, "/api/v1/projects/team/retention/runs", headers: [Self.admin, Self.json], body: Array(#"{"dry_run":"true"}"#.utf8))
        #expect(run.status == 400)
        for schedule in ["60/5 * * * *", "* 25/1 * * *", "* * * 13/2 *", "99999999999999999999 * * * *"] {
            let body = Content.json(["schedule": schedule, "rules": [["repositories": "**", "tags": "**", "keep": "always"]]])
            #expect(try await registry.request(.PUT, "/api/v1/projects/team/retention", headers: [Self.admin, Self.json], body: body).status == 400)
        }
        #expect(try await Self.healthy(registry))
        try await registry.stop()
    }

    @Test func readsOfInvalidTagsAreUnknownManifests() async throws {
        let registry = try await TestRegistry.start()
        for method: HTTPMethod in [.GET, .HEAD] {
            let response = try await registry.request(method, "/v2/team/app/manifests/.INVALID_MANIFEST_NAME")
            #expect(response.status == 404)
            if method == .GET { #expect(response.errorCodes == ["MANIFEST_UNKNOWN"]) }
        }
        let put = try await registry.request(.PUT, "/v2/team/app/manifests/.INVALID_MANIFEST_NAME", body: Array("{}".utf8))
        #expect(put.status == 400 && put.errorCodes == ["TAG_INVALID"])
        try await registry.stop()
    }

    @Test func shortBodiesAndBrokenChunkingAreTheClientsFault() async throws {
        let registry = try await TestRegistry.start()
        let bytes = Content.randomBytes(1000)
        let location = try await registry.startUpload("team/app")
        let complete = withQuery(location, "digest=\(Content.digest(bytes))")
        let short = "PUT \(complete) HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"
        let cut = try await RawHTTP.exchange(port: registry.port, Array(short.utf8) + bytes[..<100])
        #expect(cut.status.map { $0 < 500 } ?? true, "short body: \(cut.text.prefix(300))")
        #expect(try await registry.request(.HEAD, "/v2/team/app/blobs/\(Content.digest(bytes))").status == 404)
        for chunks in ["zz\r\nabc\r\n0\r\n\r\n", "5\r\nabc\r\n0\r\n\r\n", "-1\r\n\r\n", "ffffffffffffffffff\r\nab\r\n"] {
            let head = "PATCH \(location) HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            let answer = try await RawHTTP.exchange(port: registry.port, Array((head + chunks).utf8))
            #expect(answer.status.map { $0 < 500 } ?? true, "\(chunks.debugDescription): \(answer.text.prefix(300))")
            #expect(try await Self.healthy(registry))
        }
        // The session is still usable, and holds nothing it should not.
        let done = try await registry.request(.PUT, complete, headers: [("Content-Range", "0-999")], body: bytes)
        let status = try await registry.request(.GET, location)
        #expect(done.status == 201 || status.status == 204, "\(done.status) \(done.text)")
        try await registry.stop()
    }

    @Test func manifestsMustBeUTF8WithoutDuplicateKeys() async throws {
        let registry = try await TestRegistry.start()
        let config = Content.json(["architecture": "amd64", "os": "linux"])
        let layer = Content.randomBytes(100), other = Content.randomBytes(100)
        for blob in [config, layer, other] { try await registry.pushBlob("team/app", blob) }
        let good = String(decoding: Content.imageManifest(config: config, layers: [layer]), as: UTF8.self)
        let otherLayers = #""layers":[\#(String(decoding: Content.json(Content.descriptor("application/vnd.oci.image.layer.v1.tar+gzip", other)), as: UTF8.self))]"#
        let variants: [(String, [UInt8])] = [
            ("byte-order mark", [0xEF, 0xBB, 0xBF] + Array(good.utf8)),
            ("UTF-16", Array(good.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })),
            ("duplicate layers", Array((good.dropLast() + "," + otherLayers + "}").utf8)),
            ("case-folded duplicate", Array((good.dropLast() + "," + otherLayers.replacingOccurrences(of: "\"layers\"", with: "\"Layers\"") + "}").utf8)),
            ("escaped duplicate", Array((good.dropLast() + "," + otherLayers.replacingOccurrences(of: "\"layers\"", with: #""la\u0079ers""#) + "}").utf8)),
            ("duplicate deep inside", Array(good.replacingOccurrences(of: #""mediaType":"application/vnd.oci.image.config.v1+json""#, with: #""mediaType":"application/vnd.oci.image.config.v1+json","size":1"#).utf8)),
        ]
        for (name, body) in variants {
            let response = try await registry.request(.PUT, "/v2/team/app/manifests/bad", headers: [("Content-Type", MediaType.ociManifest)], body: body)
            #expect(response.status == 400 && response.errorCodes == ["MANIFEST_INVALID"], "\(name): \(response.status) \(response.text)")
        }
        // Annotation keys are free-form: two that differ in case are two keys.
        let annotated = good.dropLast() + #","annotations":{"org.example.A":"1","org.example.a":"2"}}"#
        let accepted = try await registry.request(
            .PUT, "/v2/team/app/manifests/ok", headers: [("Content-Type", MediaType.ociManifest)], body: Array(annotated.utf8))
        #expect(accepted.status == 201, "\(accepted.text)")
        try await registry.stop()
    }

    @Test func deletingAProjectTakesEverythingItOwned() async throws {
        let (registry, _) = try await AuthTests.start()
        let create = Content.json(["name": "gone", "public": false])
        #expect(try await registry.request(.POST, "/api/v1/projects", headers: [Self.admin, Self.json], body: create).status == 201)
        let robot = try await registry.request(
            .POST, "/api/v1/projects/gone/robots", headers: [Self.admin, Self.json], body: Content.json(["name": "ci", "permissions": ["pull", "push"]]))
        let secret = try #require(try robot.json()["secret"] as? String)
        let robotAuth = AuthTests.basic("robot$gone+ci", secret)
        let rule = Content.json(["repository": "**", "tag": "v*"])
        #expect(try await registry.request(.POST, "/api/v1/projects/gone/immutability-rules", headers: [Self.admin, Self.json], body: rule).status == 201)
        let policy = Content.json(["rules": [["repositories": "**", "tags": "**", "keep": "always"]]])
        #expect(try await registry.request(.PUT, "/api/v1/projects/gone/retention", headers: [Self.admin, Self.json], body: policy).status == 200)
        let (_, digest) = try await registry.pushImage("gone/app", tag: "latest", headers: [robotAuth])
        try await registry.pushImage("gone", tag: "latest", headers: [Self.admin])

        let refused = try await registry.request(.DELETE, "/api/v1/projects/gone", headers: [Self.admin])
        #expect(refused.status == 409 && refused.text.contains("gone"), "\(refused.text)")
        #expect(try await registry.request(.DELETE, "/v2/gone/app/manifests/\(digest)", headers: [Self.admin]).status == 202)
        #expect(try await registry.request(.DELETE, "/api/v1/projects/gone", headers: [Self.admin]).status == 409, "the repository named like the project")
        let own = try await registry.request(.HEAD, "/v2/gone/manifests/latest", headers: [Self.admin])
        let ownDigest = try #require(own.header("Docker-Content-Digest"))
        #expect(try await registry.request(.DELETE, "/v2/gone/manifests/\(ownDigest)", headers: [Self.admin]).status == 202)
        #expect(try await registry.request(.DELETE, "/api/v1/projects/gone", headers: [Self.admin]).status == 204)
        let catalog = try await registry.request(.GET, "/v2/_catalog", headers: [Self.admin]).json()["repositories"] as? [String] ?? []
        #expect(!catalog.contains { $0 == "gone" || $0.hasPrefix("gone/") })

        // A new project of the same name starts clean.
        #expect(try await registry.request(.POST, "/api/v1/projects", headers: [Self.admin, Self.json], body: create).status == 201)
        #expect(try await registry.request(.GET, "/api/v1/projects/gone/robots", headers: [Self.admin]).json(array: true).isEmpty)
        #expect(try await registry.request(.GET, "/api/v1/projects/gone/immutability-rules", headers: [Self.admin]).json(array: true).isEmpty)
        #expect(try await registry.request(.GET, "/api/v1/projects/gone/retention", headers: [Self.admin]).status == 404)
        #expect(try await registry.request(.POST, "/v2/gone/app/blobs/uploads/", headers: [robotAuth]).status == 401)
        try await registry.stop()
    }

    @Test func aRepositoryNamedLikeItsProjectCountsAgainstIt() async throws {
        let (registry, _) = try await AuthTests.start()
        let quota = Content.json(["quota_bytes": 1500])
        #expect(try await registry.request(.PATCH, "/api/v1/projects/team", headers: [Self.admin, Self.json], body: quota).status == 200)
        try await registry.pushBlob("team", Content.randomBytes(1000), headers: [Self.admin])
        let project = try await registry.request(.GET, "/api/v1/projects/team", headers: [Self.admin]).json()
        #expect(project["storage_bytes"] as? Int == 1000)
        let over = try await registry.request(
            .POST, "/v2/team/app/blobs/uploads/?digest=\(Content.digest(Content.randomBytes(1)))", headers: [Self.admin],
            body: Content.randomBytes(1000))
        #expect(over.status == 403 && over.text.contains("quota"))
        try await registry.stop()
    }

    @Test func autoCreatedProjectsWorkThroughTheTokenFlow() async throws {
        let (registry, _) = try await AuthTests.start { $0.autoCreateProjects = true }
        let token = try await AuthTests.token(registry, user: "dev", scope: "repository:fresh/app:pull,push")
        #expect(try AuthTests.grantedActions(token) == ["pull", "push"])
        try await registry.pushImage("fresh/app", tag: "1", headers: [("Authorization", "Bearer \(token)")])
        let members = try await registry.request(.GET, "/api/v1/projects/fresh/members", headers: [Self.admin]).json(array: true)
        #expect(members.map { $0["user"] as? String } == ["dev"] && members.first?["role"] as? String == "projectadmin")
        // Once it exists, another user gets only what they hold there: nothing.
        let late = try await AuthTests.token(registry, user: "guest", scope: "repository:fresh/app:pull,push")
        #expect(try AuthTests.grantedActions(late) == [])
        try await registry.stop()
    }

    @Test func refreshTokensDieWithTheCredentialTheyCameFrom() async throws {
        let (registry, _) = try await AuthTests.start()
        func refresh(_ user: String, _ password: String) async throws -> String {
            let form = "grant_type=password&username=\(user.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)&password=\(password)&access_type=offline&service=berth"
            let response = try await registry.request(
                .POST, "/service/token", headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Array(form.utf8))
            return try #require(try response.json()["refresh_token"] as? String)
        }
        func exchange(_ token: String) async throws -> Int {
            try await registry.request(
                .POST, "/service/token", headers: [("Content-Type", "application/x-www-form-urlencoded")],
                body: Array("grant_type=refresh_token&refresh_token=\(token)&service=berth".utf8)).status
        }
        let dev = try await refresh("dev", "dev-pw")
        #expect(try await exchange(dev) == 200)
        let change = Content.json(["password": "a-new-password-1"])
        #expect(try await registry.request(.PATCH, "/api/v1/users/dev", headers: [Self.admin, Self.json], body: change).status == 200)
        #expect(try await exchange(dev) == 401)

        let robot = try await registry.request(
            .POST, "/api/v1/projects/team/robots", headers: [Self.admin, Self.json], body: Content.json(["name": "ci", "permissions": ["pull"]]))
        let secret = try #require(try robot.json()["secret"] as? String)
        let robotToken = try await refresh("robot$team+ci", secret)
        #expect(try await exchange(robotToken) == 200)
        #expect(try await registry.request(.POST, "/api/v1/projects/team/robots/ci/secret", headers: [Self.admin]).status == 200)
        #expect(try await exchange(robotToken) == 401)
        try await registry.stop()
    }

    @Test func aRefusedDeleteIsAuditedAsOne() async throws {
        let (registry, _) = try await AuthTests.start()
        let rule = Content.json(["repository": "**", "tag": "v*"])
        #expect(try await registry.request(.POST, "/api/v1/projects/team/immutability-rules", headers: [Self.admin, Self.json], body: rule).status == 201)
        try await registry.pushImage("team/app", tag: "v1", headers: [Self.admin])
        #expect(try await registry.request(.DELETE, "/v2/team/app/manifests/v1", headers: [Self.admin]).status == 403)
        var entries: [[String: Any]] = []
        for _ in 0..<50 where !entries.contains(where: { $0["action"] as? String == "delete.refused" }) {
            try await Task.sleep(for: .milliseconds(100))
            entries = try await registry.request(.GET, "/api/v1/audit?project=team", headers: [Self.admin]).json()["entries"] as? [[String: Any]] ?? []
        }
        let actions = entries.compactMap { $0["action"] as? String }
        #expect(actions.contains("delete.refused"))
        #expect(!actions.contains("push.refused"))
        // Times are RFC 3339, in the audit log as in job runs.
        let rfc3339 = #/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/#
        for entry in entries { #expect((entry["time"] as? String)?.wholeMatch(of: rfc3339) != nil, "\(entry["time"] ?? "none")") }
        _ = try await registry.request(.POST, "/api/v1/gc", headers: [Self.admin, Self.json], body: Content.json(["dry_run": true]))
        let runs = try await registry.request(.GET, "/api/v1/gc/runs", headers: [Self.admin]).json(array: true)
        #expect(!runs.isEmpty)
        for run in runs {
            #expect((run["started_at"] as? String)?.wholeMatch(of: rfc3339) != nil && (run["finished_at"] as? String)?.wholeMatch(of: rfc3339) != nil)
        }
        try await registry.stop()
    }

    @Test func thePullCacheIsBoundedByBytes() async throws {
        let registry = try await TestRegistry.start { $0.cacheBytes = 1 << 20 }
        let config = Content.json(["architecture": "amd64", "os": "linux"])
        try await registry.pushBlob("team/app", config)
        var digests: [Digest] = []
        for index in 0..<8 {
            // About 300 KB each: eight of them are twice the budget.
            let padding = String(repeating: "x", count: 300_000) + "\(index)"
            var manifest = try #require(try JSONSerialization.jsonObject(with: Data(Content.imageManifest(config: config, layers: []))) as? [String: Any])
            manifest["annotations"] = ["org.example.padding": padding]
            digests.append(try await registry.pushManifest("team/app", "t\(index)", Content.json(manifest)))
        }
        // On PostgreSQL the cache is used once the node follows the other nodes' changes (at most 30 s).
        let cache = registry.server.cache
        let deadline = ContinuousClock.now + .seconds(30)
        while !cache.isTrusted, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(cache.isTrusted)
        for digest in digests + digests {
            #expect(try await registry.request(.GET, "/v2/team/app/manifests/\(digest)").status == 200)
        }
        #expect(cache.manifestBytes > 0 && cache.manifestBytes <= 1 << 20, "\(cache.manifestBytes) bytes cached")
        try await registry.stop()
    }

    @Test func theDecoyHashHasTheConfiguredCost() {
        #expect(PasswordHasher(cost: 5).decoy.contains("$05$"))
        #expect(PasswordHasher(cost: 6).decoy.contains("$06$"))
    }
}

extension TestResponse {
    func json(array: Bool) throws -> [[String: Any]] {
        guard let list = try JSONSerialization.jsonObject(with: Data(body)) as? [[String: Any]] else {
            throw TestFailure("body is not a JSON array: \(text)")
        }
        return list
    }
}
