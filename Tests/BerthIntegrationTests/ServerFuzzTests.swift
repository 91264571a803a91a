import Foundation
import NIOHTTP1
import OCI
import Testing

/// Mutated manifests and paths thrown at a live server: every answer is a
/// client error with a spec error body, never a 5xx, and stored content
/// stays intact. Seeded, so a failure reproduces.
@Suite("Fuzzing the live server")
struct ServerFuzzTests {
    static let knownCodes = Set(ErrorCode.allCases.map(\.rawValue))

    @Test func mutatedManifestsAndPathsGetSpecErrors() async throws {
        let registry = try await TestRegistry.start()
        let (manifest, digest) = try await registry.pushImage("team/app", tag: "stable")
        var rng = SystemRandomNumberGenerator()
        var seen: [Int: Int] = [:]
        for round in 0..<300 {
            var body = manifest
            for _ in 0..<Int.random(in: 1...6, using: &rng) where !body.isEmpty {
                let position = Int.random(in: 0..<body.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: body[position] = UInt8.random(in: 0...255, using: &rng)
                case 1: body.remove(at: position)
                default: body.insert(Array("{}[]\":,0".utf8).randomElement(using: &rng)!, at: position)
                }
            }
            let type = [MediaType.ociManifest, MediaType.ociIndex, MediaType.dockerManifest, "application/json", "x"][round % 5]
            let put = try await registry.request(.PUT, "/v2/team/app/manifests/fuzz", headers: [("Content-Type", type)], body: body)
            seen[put.status, default: 0] += 1
            if put.status != 201 {
                #expect((400..<500).contains(put.status), "\(put.status): \(put.text)")
                #expect(put.errorCodes.count == 1 && Self.knownCodes.contains(put.errorCodes[0]), "\(put.text)")
            }
        }
        let junk = ["/v2/%00", "/v2/team/app/manifests/%2e%2e", "/v2/team/app/blobs/sha256:%FF", "/v2/../../etc/passwd",
                    "/v2/team/app/tags/list?n=99999999999999999999", "/v2/team/app/referrers/x?artifactType=%00",
                    "/v2/_catalog?n=abc", "/v2/" + String(repeating: "a/", count: 300) + "tags/list"]
        for path in junk {
            let response = try await registry.request(.GET, path)
            #expect((400..<500).contains(response.status), "\(path): \(response.status)")
            // Some of these the client rewrites before sending (`/v2/../../etc/passwd` loses its dot segments, a
            // `%FF` that is no UTF-8 its path): what leaves /v2 is the web UI's, whose 404 is a page.
            let page = response.header("Content-Type")?.hasPrefix("text/html") == true && response.status == 404
            #expect(!response.errorCodes.isEmpty || page, "\(path): \(response.status) \(response.header("Content-Type") ?? "") \(response.text.prefix(200))")
        }
        // What was stored before is untouched.
        #expect(try await registry.request(.GET, "/v2/team/app/manifests/stable").body == manifest)
        #expect(try await registry.request(.GET, "/v2/team/app/manifests/\(digest)").status == 200)
        try await registry.stop()
    }

    /// Extreme values in every numeric header, query parameter and JSON
    /// field of `/v2`, `/service/token` and `/api/v1`: each answer is below
    /// 500, and after each the same process still answers `/healthz`.
    @Test func extremeNumbersNeverStopTheServer() async throws {
        let (registry, _) = try await AuthTests.start()
        let admin = AuthTests.basic("admin"), json = ("Content-Type", "application/json")
        let (_, digest) = try await registry.pushImage("team/app", tag: "v1", headers: [admin])
        let blob = try await registry.pushBlob("team/app", Content.randomBytes(64), headers: [admin])
        let values = ["9223372036854775807", "9223372036854775808", "-9223372036854775808", "18446744073709551616", "-1", "0",
                      "1e300", "-1e300", "1.5", "", "abc", "0x10", "+1", " 7", String(repeating: "9", count: 400)]
        var sent = 0
        func check(_ what: String, _ status: Int?) async throws {
            sent += 1
            if let status { #expect(status < 500, "\(what) answered \(status)") }
            #expect(try await registry.request(.GET, "/healthz").status == 200, "the server stopped after \(what)")
        }
        func query(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "" }
        for value in values {
            let location = try await registry.request(.POST, "/v2/team/app/blobs/uploads/", headers: [admin]).header("Location") ?? ""
            for header in ["Content-Range", "Range"] {
                for form in ["0-\(value)", "\(value)-\(value)", "\(value)-", "bytes=0-\(value)", "bytes=\(value)-", "bytes=-\(value)"] {
                    let patch = try await registry.request(.PATCH, location, headers: [admin, (header, form)], body: Content.randomBytes(4))
                    try await check("PATCH \(header): \(form)", patch.status)
                    let get = try await registry.request(.GET, "/v2/team/app/blobs/\(blob)", headers: [admin, (header, form)])
                    try await check("GET blob \(header): \(form)", get.status)
                }
            }
            for path in ["/v2/\(location.dropFirst(4))", "/v2/team/app/blobs/uploads/?digest=\(blob)"] {
                let head = "\(path.hasPrefix("/v2/team/app/blobs/uploads/?") ? "POST" : "PATCH") \(path) HTTP/1.1\r\nHost: x\r\n"
                    + "Authorization: \(admin.1)\r\nContent-Length: \(value)\r\n\r\n"
                try await check("Content-Length: \(value)", try await RawHTTP.exchange(port: registry.port, Array(head.utf8) + [1, 2, 3]).status)
            }
            for path in ["/v2/team/app/tags/list?n=\(query(value))&last=\(query(value))", "/v2/_catalog?n=\(query(value))&last=\(query(value))",
                         "/v2/team/app/referrers/\(digest)?n=\(query(value))",
                         "/api/v1/audit?limit=\(query(value))&before=\(query(value))", "/api/v1/audit?since=\(query(value))",
                         "/service/token?service=berth&scope=repository:team/app:pull&offline_token=\(query(value))&account=\(query(value))"] {
                try await check("GET \(path)", try await registry.request(.GET, path, headers: [admin]).status)
            }
            for form in ["\(value)=\(value)", "=", "&&=&", "grant_type=refresh_token&refresh_token=\(query(value))",
                         "grant_type=password&username=\(query(value))&password=\(query(value))&access_type=offline"] {
                let token = try await registry.request(
                    .POST, "/service/token", headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Array(form.utf8))
                try await check("POST /service/token \(form)", token.status)
            }
            let literal = Double(value) != nil || Int(value) != nil ? value : "\"\(value)\""
            let bodies: [(HTTPMethod, String, String)] = [
                (.POST, "/api/v1/projects/team/robots", #"{"name":"r\#(sent)","permissions":["pull"],"expires_in_days":\#(literal)}"#),
                (.POST, "/api/v1/gc", #"{"dry_run":true,"grace_seconds":\#(literal)}"#),
                (.PATCH, "/api/v1/projects/open", #"{"quota_bytes":\#(literal)}"#),
                (.PUT, "/api/v1/projects/open/retention",
                 #"{"rules":[{"repositories":"**","tags":"**","keep":"most_recently_pushed","count":\#(literal)}]}"#),
                (.PUT, "/api/v1/projects/open/retention",
                 #"{"rules":[{"repositories":"**","tags":"**","keep":"pushed_within_days","days":\#(literal)}]}"#),
                (.POST, "/api/v1/projects/open/retention/runs", #"{"dry_run":\#(literal)}"#),
            ]
            for (method, path, body) in bodies {
                let response = try await registry.request(method, path, headers: [admin, json], body: Array(body.utf8))
                try await check("\(method) \(path) \(body)", response.status)
            }
        }
        #expect(sent > 500)
        // What was stored before is untouched.
        #expect(try await registry.request(.GET, "/v2/team/app/manifests/\(digest)", headers: [admin]).status == 200)
        try await registry.stop()
    }

    @Test(.enabled(if: isInstalled("curl"))) func clientThatDisconnectsMidUploadLeavesNothingVisible() async throws {
        let registry = try await TestRegistry.start()
        let file = TestRegistry.temporaryFolder() + "/blob"
        let bytes = Content.randomBytes(4 << 20)
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let location = try await registry.startUpload("team/app")
        // curl sends slowly and gives up after a second: a real disconnect.
        let result = try await runCommand([
            "curl", "-s", "-o", "/dev/null", "--limit-rate", "512k", "--max-time", "1", "-H", "Expect:", "-X", "PUT",
            "--data-binary", "@\(file)", registry.base + withQuery(location, "digest=\(Content.digest(bytes))"),
        ])
        #expect(result.status == 28)  // curl: operation timed out
        #expect(try await registry.request(.HEAD, "/v2/team/app/blobs/\(Content.digest(bytes))").status == 404)
        var received = -1
        for _ in 0..<50 {
            let status = try await registry.request(.GET, location)
            #expect(status.status == 204)
            received = Int(status.header("Range")?.split(separator: "-").last ?? "") ?? -1
            if received > 0 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(received > 0 && received < bytes.count - 1)
        try await registry.stop()
    }
}
