import Foundation
import NIOHTTP1
import OCI
import Testing

/// containerd's `ctr` and oras, real clients, pushing and pulling with
/// authentication on. Both reuse a pull token for a push unless challenged
/// with `insufficient_scope`, which is what this suite guards. `.ci/run`
/// starts a private containerd and installs oras (`.ci/clients.sh`); on a
/// machine without them the suite is skipped with the reason, in CI it
/// must run.
@Suite(
    "containerd and oras with token authentication",
    .enabled(
        if: RealClients.available || ProcessInfo.processInfo.environment["CI"] != nil,
        "no private containerd or oras: run . .ci/clients.sh; install_clients; start_containerd"),
    .serialized)
struct ClientTests {
    static var containerd: String? { RealClients.containerd }
    static var oras: String? { RealClients.oras }
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    @discardableResult
    static func run(_ arguments: [String]) async throws -> String {
        let result = try await runCommand(arguments, environment: ["CONTAINERD_SNAPSHOTTER": "native"])
        guard result.status == 0 else { throw TestFailure("\(arguments.joined(separator: " ")) failed: \(result.output)") }
        return result.output
    }

    static func ctr(_ namespace: String, _ arguments: [String]) async throws -> String {
        guard let containerd else { throw TestFailure("BERTH_TEST_CONTAINERD_ADDRESS is not set") }
        return try await run(["ctr", "--address", containerd, "--timeout", "60s", "-n", namespace] + arguments)
    }

    static func oras(_ arguments: [String]) async throws -> String {
        guard let oras else { throw TestFailure("BERTH_TEST_ORAS is not set") }
        return try await run([oras] + arguments)
    }

    @Test func ctrPushesPullsAndMountsWithAuthentication() async throws {
        let (registry, _) = try await AuthTests.start()
        let host = "127.0.0.1:\(registry.port)"
        let work = TestRegistry.temporaryFolder()
        let namespace = "berth-\(UUID().uuidString.prefix(8).lowercased())"
        let digest = try await Self.run(["bash", "-c", ". \(Self.root)/.ci/clients.sh && oci_image_tar \(work)/image.tar 1.0"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        _ = try await Self.ctr(namespace, ["images", "import", "--no-unpack", "--base-name", "\(host)/team/app", "\(work)/image.tar"])

        // Push as a developer: containerd asks for a token, is challenged
        // for the wider scope when it reuses it, and succeeds.
        _ = try await Self.ctr(namespace, ["images", "push", "--plain-http", "--user", "dev:dev-pw", "\(host)/team/app:1.0"])
        let head = try await registry.request(.HEAD, "/v2/team/app/manifests/1.0", headers: [AuthTests.basic("dev"), ("Accept", "*/*")])
        #expect(head.status == 200)
        #expect(head.header("Docker-Content-Digest") == digest)

        // Pull back by tag and by digest, fetching every blob anew.
        let pulls = "\(namespace)-pull"
        _ = try await Self.ctr(pulls, ["content", "fetch", "--plain-http", "--user", "guest:guest-pw", "\(host)/team/app:1.0"])
        _ = try await Self.ctr(pulls, ["content", "fetch", "--plain-http", "--user", "guest:guest-pw", "\(host)/team/app@\(digest)"])
        let images = try await Self.ctr(pulls, ["images", "list", "-q"])
        #expect(images.contains("\(host)/team/app:1.0"))

        // Pulled content remembers its source: pushing it to another
        // repository mounts the blobs (cross-repository mount) instead of uploading.
        _ = try await Self.ctr(pulls, ["images", "tag", "\(host)/team/app:1.0", "\(host)/team/copy:1.0"])
        _ = try await Self.ctr(pulls, ["images", "push", "--plain-http", "--user", "dev:dev-pw", "\(host)/team/copy:1.0"])
        let copied = try await registry.request(.HEAD, "/v2/team/copy/manifests/1.0", headers: [AuthTests.basic("dev"), ("Accept", "*/*")])
        #expect(copied.header("Docker-Content-Digest") == digest)

        // A guest may pull but not push: containerd gives up with an error.
        let refused = try await runCommand([
            "ctr", "--address", Self.containerd ?? "", "--timeout", "60s", "-n", pulls, "images", "push", "--plain-http",
            "--user", "guest:guest-pw", "\(host)/team/guest:1.0", "\(host)/team/app:1.0",
        ])
        #expect(refused.status != 0)
        #expect(try await registry.request(.HEAD, "/v2/team/guest/manifests/1.0", headers: [AuthTests.basic("dev")]).status == 404)
        for ns in [namespace, pulls] {
            for image in try await Self.ctr(ns, ["images", "list", "-q"]).split(separator: "\n") {
                _ = try? await Self.ctr(ns, ["images", "rm", String(image)])
            }
        }
        try await registry.stop()
    }

    @Test func orasPushesPullsAndCopiesWithAuthentication() async throws {
        let (registry, _) = try await AuthTests.start()
        let host = "127.0.0.1:\(registry.port)"
        let work = TestRegistry.temporaryFolder()
        let bytes = Content.randomBytes(4096)
        try Data(bytes).write(to: URL(fileURLWithPath: work + "/report.bin"))
        let credentials = ["--plain-http", "-u", "dev", "-p", "dev-pw"]

        let pushed = try await Self.run(["bash", "-c", "cd \(work) && \"$0\" \"$@\"", Self.oras ?? "oras", "push"]
            + credentials + ["\(host)/team/artifact:v1", "report.bin:application/octet-stream"])
        let digest = try #require(pushed.split(separator: "\n").first { $0.hasPrefix("Digest: ") }?.dropFirst(8))
        #expect(try await registry.request(.GET, "/v2/team/artifact/blobs/\(Content.digest(bytes))", headers: [AuthTests.basic("dev")]).body == bytes)

        // Pull by digest as a guest, and compare the file.
        let out = work + "/pulled"
        _ = try await Self.oras(["pull", "--plain-http", "-u", "guest", "-p", "guest-pw", "-o", out, "\(host)/team/artifact@\(digest)"])
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: out + "/report.bin"))) == bytes)
        let manifest = try await Self.oras(["manifest", "fetch"] + credentials + ["\(host)/team/artifact:v1"])
        #expect(Content.digest(Array(manifest.utf8)).description == digest)

        // Copy to another repository of the registry: blobs are mounted.
        _ = try await Self.oras(["cp"] + credentials + ["\(host)/team/artifact:v1", "\(host)/team/artifact-copy:v1"])
        let copied = try await registry.request(.HEAD, "/v2/team/artifact-copy/manifests/v1", headers: [AuthTests.basic("dev")])
        #expect(copied.header("Docker-Content-Digest") == String(digest))
        #expect(try await registry.request(.GET, "/v2/team/artifact-copy/blobs/\(Content.digest(bytes))", headers: [AuthTests.basic("dev")]).body == bytes)

        // A guest's push is refused, not looped on.
        let refused = try await runCommand([Self.oras ?? "oras", "push", "--plain-http", "-u", "guest", "-p", "guest-pw",
                                            "\(host)/team/artifact:v2", work + "/report.bin"])
        #expect(refused.status != 0)
        try await registry.stop()
    }
}

/// Where `.ci/clients.sh` left the clients.
enum RealClients {
    static var containerd: String? { ProcessInfo.processInfo.environment["BERTH_TEST_CONTAINERD_ADDRESS"] }
    static var oras: String? { ProcessInfo.processInfo.environment["BERTH_TEST_ORAS"] }
    static var available: Bool { containerd != nil && oras != nil }
}
