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
            #expect(!response.errorCodes.isEmpty, "\(path)")
        }
        // What was stored before is untouched.
        #expect(try await registry.request(.GET, "/v2/team/app/manifests/stable").body == manifest)
        #expect(try await registry.request(.GET, "/v2/team/app/manifests/\(digest)").status == 200)
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
