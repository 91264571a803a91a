import Foundation
import OCI
import Testing

/// `berth copy` and `berth digest` as separate processes, between two
/// Berths with token auth and through the reference registry.
@Suite("berth copy and berth digest")
struct CopyTests {
    static let creds = "admin:\(AuthTests.adminPassword)"

    static func berth(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await runCommand([BerthProcess.executable] + arguments, environment: ["DOCKER_CONFIG": "/nonexistent"])
    }

    /// A two-platform index in `repository` of `registry`: its digest, its images' digests and their blobs.
    static func pushIndex(_ registry: TestRegistry, _ repository: String, tag: String) async throws -> (index: Digest, amd64: Digest, arm64: Digest) {
        let admin = AuthTests.basic("admin")
        // One layer of 2 MiB, so that a blob streams in many chunks (small enough not to load moto's S3 server).
        let config = Content.json(["architecture": "amd64", "os": "linux"])
        let big = Content.randomBytes(2 << 20)
        try await registry.pushBlob(repository, config, headers: [admin])
        try await registry.pushBlob(repository, big, headers: [admin])
        let amd64 = Content.imageManifest(config: config, layers: [big])
        try await registry.pushManifest(repository, "amd64", amd64, headers: [admin])
        let arm64 = try await registry.pushImage(repository, tag: "arm64", headers: [admin]).manifest
        let index = try await registry.pushManifest(
            repository, tag, Content.index([(amd64, "linux/amd64"), (arm64, "linux/arm64")]), type: MediaType.ociIndex, headers: [admin])
        return (index, Content.digest(amd64), Content.digest(arm64))
    }

    static func manifestDigest(_ registry: TestRegistry, _ path: String) async throws -> Digest? {
        let response = try await registry.request(
            .GET, path, headers: [AuthTests.basic("admin"), ("Accept", "\(MediaType.ociIndex), \(MediaType.ociManifest)")])
        guard response.status == 200 else { return nil }
        return Content.digest(response.body)
    }

    @Test func indexesAndImagesCopyBetweenRegistriesWithTheirDigests() async throws {
        let (source, _) = try await AuthTests.start()
        let (destination, _) = try await AuthTests.start { $0.autoCreateProjects = true }
        let (from, to) = ("127.0.0.1:\(source.port)", "127.0.0.1:\(destination.port)")
        let pushed = try await Self.pushIndex(source, "team/multi", tag: "2.0")
        let flags = ["--src-creds", Self.creds, "--dest-creds", Self.creds, "--src-tls-verify=false", "--dest-tls-verify=false"]

        let all = try await Self.berth(["copy", "--all"] + flags + ["\(from)/team/multi:2.0", "\(to)/backup/multi:2.0"])
        #expect(all.status == 0, "\(all.output)")
        #expect(all.output.contains("copied"), "\(all.output)")
        #expect(try await Self.manifestDigest(destination, "/v2/backup/multi/manifests/2.0") == pushed.index)
        for child in [pushed.amd64, pushed.arm64] {
            #expect(try await Self.manifestDigest(destination, "/v2/backup/multi/manifests/\(child)") == child)
        }

        // Again: every blob is there already.
        let again = try await Self.berth(["copy", "--all"] + flags + ["\(from)/team/multi:2.0", "\(to)/backup/multi:2.1"])
        #expect(again.status == 0 && !again.output.contains(" copied\n") && again.output.contains("present"), "\(again.output)")

        // Without --all: this machine's platform only, under the destination's tag.
        let one = try await Self.berth(["copy"] + flags + ["\(from)/team/multi:2.0", "\(to)/single/app:amd64"])
        #expect(one.status == 0, "\(one.output)")
        #expect(try await Self.manifestDigest(destination, "/v2/single/app/manifests/amd64") == pushed.amd64)

        // Within one registry, blobs are mounted rather than sent again.
        let within = try await Self.berth(["copy"] + flags + ["\(to)/single/app:amd64", "\(to)/other/app:v1"])
        #expect(within.status == 0 && within.output.contains("mounted"), "\(within.output)")

        // By digest, to a digest that is not the content's: refused before the manifest is written.
        let wrong = try await Self.berth(["copy"] + flags + ["\(from)/team/multi@\(pushed.arm64)", "\(to)/wrong/app@\(pushed.amd64)"])
        #expect(wrong.status != 0 && wrong.output.contains("not \(pushed.amd64)"), "\(wrong.output)")

        // Wrong credentials: the registry's answer, and a failing status.
        let denied = try await Self.berth(["copy", "--src-creds", "admin:wrong", "--src-tls-verify=false", "--dest-tls-verify=false",
                                           "--dest-creds", Self.creds, "\(from)/team/multi:2.0", "\(to)/x/y:1"])
        #expect(denied.status != 0 && denied.output.contains("401"), "\(denied.output)")

        let digest = try await Self.berth(["digest", "--creds", Self.creds, "--tls-verify=false", "\(to)/backup/multi:2.0"])
        #expect(digest.status == 0 && digest.output.trimmingCharacters(in: .whitespacesAndNewlines) == pushed.index.description, "\(digest.output)")
        try await source.stop()
        try await destination.stop()
    }

    @Test(.enabled(if: ReferenceRegistry.installed, "needs Debian's docker-registry (the reference registry)"))
    func imagesRoundTripThroughTheReferenceRegistry() async throws {
        let (berth, _) = try await AuthTests.start { $0.autoCreateProjects = true }
        let reference = try await ReferenceRegistry.start()
        defer { reference.stopSoon() }
        let host = "127.0.0.1:\(berth.port)"
        let pushed = try await Self.pushIndex(berth, "team/multi", tag: "1.0")
        let out = try await Self.berth(["copy", "--all", "--src-creds", Self.creds, "--src-tls-verify=false", "--dest-tls-verify=false",
                                        "\(host)/team/multi:1.0", "\(reference.host)/mirror/multi:1.0"])
        #expect(out.status == 0, "\(out.output)")
        let resolved = try await Self.berth(["digest", "--tls-verify=false", "\(reference.host)/mirror/multi:1.0"])
        #expect(resolved.output.trimmingCharacters(in: .whitespacesAndNewlines) == pushed.index.description, "\(resolved.output)")
        let back = try await Self.berth(["copy", "--all", "--dest-creds", Self.creds, "--src-tls-verify=false", "--dest-tls-verify=false",
                                         "\(reference.host)/mirror/multi:1.0", "\(host)/back/multi:1.0"])
        #expect(back.status == 0, "\(back.output)")
        #expect(try await Self.manifestDigest(berth, "/v2/back/multi/manifests/1.0") == pushed.index)
        #expect(try await Self.manifestDigest(berth, "/v2/back/multi/manifests/\(pushed.amd64)") == pushed.amd64)
        try await berth.stop()
    }
}
