import Foundation
import NIOHTTP1
import OCI
import Testing

/// A real client from Debian's packages pushing to and pulling from Berth.
/// Required in CI (which installs skopeo); skipped on machines without it.
@Suite(
    "skopeo round trips",
    .enabled(if: isInstalled("skopeo") || ProcessInfo.processInfo.environment["CI"] != nil, "skopeo is not installed"))
struct SkopeoTests {
    static func skopeo(_ arguments: [String]) async throws -> String {
        let result = try await runCommand(["skopeo", "--insecure-policy"] + arguments)
        guard result.status == 0 else { throw TestFailure("skopeo \(arguments.joined(separator: " ")) failed: \(result.output)") }
        return result.output
    }

    @Test func imageAndMultiPlatformIndexRoundTrip() async throws {
        let registry = try await TestRegistry.start()
        let work = TestRegistry.temporaryFolder()
        var layout = try OCILayout(path: work + "/source")
        let single = try await layout.image(architecture: "amd64", layerCount: 3)
        try layout.name(single, mediaType: MediaType.ociManifest, as: "single")
        let amd64 = try await layout.image(architecture: "amd64", layerCount: 2)
        let arm64 = try await layout.image(architecture: "arm64", layerCount: 2)
        let index = Content.index([(amd64, "linux/amd64"), (arm64, "linux/arm64")])
        try layout.write(index)
        try layout.name(index, mediaType: MediaType.ociIndex, as: "multi")
        let host = "127.0.0.1:\(registry.port)"

        // Push: digests are preserved, so the registry holds the same bytes.
        _ = try await Self.skopeo(["copy", "--dest-tls-verify=false", "--preserve-digests", "oci:\(layout.path):single", "docker://\(host)/team/app:1.0"])
        _ = try await Self.skopeo(["copy", "--all", "--dest-tls-verify=false", "--preserve-digests", "oci:\(layout.path):multi", "docker://\(host)/team/multi:1.0"])
        for (repository, bytes) in [("team/app", single), ("team/multi", index)] {
            let head = try await registry.request(.HEAD, "/v2/\(repository)/manifests/1.0", headers: [("Accept", "*/*")])
            #expect(head.header("Docker-Content-Digest") == Content.digest(bytes).description)
        }
        let raw = try await Self.skopeo(["inspect", "--tls-verify=false", "--raw", "docker://\(host)/team/multi:1.0"])
        #expect(Content.digest(Array(raw.utf8)) == Content.digest(index))

        // Pull back by tag and by digest into new layouts; compare digests.
        let pulls: [(String, String, [UInt8], [String])] = [
            ("team/app:1.0", "by-tag", single, []),
            ("team/app@\(Content.digest(single))", "by-digest", single, []),
            ("team/multi:1.0", "multi-by-tag", index, ["--all"]),
            ("team/multi@\(Content.digest(index))", "multi-by-digest", index, ["--all"]),
        ]
        for (source, name, bytes, flags) in pulls {
            let out = work + "/" + name
            _ = try await Self.skopeo(["copy"] + flags + ["--src-tls-verify=false", "--preserve-digests", "docker://\(host)/\(source)", "oci:\(out):x"])
            #expect(try OCILayout.digest(in: out, named: "x") == Content.digest(bytes).description, "\(source)")
            // Every blob in the pulled layout matches its name.
            for file in try FileManager.default.contentsOfDirectory(atPath: out + "/blobs/sha256") {
                let blob = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(out)/blobs/sha256/\(file)")))
                #expect(Content.digest(blob).hex == file)
            }
        }
        // Both platforms' manifests came back with the index.
        for child in [amd64, arm64] {
            #expect(FileManager.default.fileExists(atPath: "\(work)/multi-by-tag/blobs/sha256/\(Content.digest(child).hex)"))
        }
        try await registry.stop()
    }
}
