import Foundation
import OCI
import TestProcesses
import Testing

/// A project scanned by an external scanner adapter (the Harbor Pluggable
/// Scanner API) beside or instead of Berth's own: the adapter is
/// `Support/scanner-adapter.py`, written for this test after the spec. It
/// pulls the manifest with the token Berth gives it, so the token's grant
/// is tested too.
@Suite("External scanners")
struct ExternalScannerTests {
    static let admin = AuthTests.basic("admin")
    static let json = ("Content-Type", "application/json")

    static func startAdapter() async throws -> (ChildProcess, Int) {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Support/scanner-adapter.py").path
        let port = try freePort()
        let ready = TestRegistry.temporaryFolder() + "-adapter-ready"
        let adapter = try ChildProcess(["/usr/bin/python3", script, String(port), ready], standardError: .inherit)
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: ready) {
            guard Date() < deadline, adapter.isRunning else {
                await adapter.end(SIGKILL)
                throw TestFailure("the scanner adapter did not start within 20 s")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return (adapter, port)
    }

    static func scan(_ registry: TestRegistry, _ repository: String, _ digest: Digest) async throws -> [String: Any] {
        let queued = try await registry.request(
            .POST, "/api/v1/scan", headers: [admin, json], body: Content.json(["repository": repository, "digest": digest.description]))
        #expect(queued.status == 202, "\(queued.text)")
        return try await ScanningTests.report(registry, repository, digest, until: ["done", "failed"])
    }

    @Test func anAdapterComplementsOrReplacesTheBuiltInScanner() async throws {
        let (adapter, port) = try await Self.startAdapter()
        defer { adapter.endSoon(SIGKILL) }
        let (registry, _) = try await AuthTests.start {
            $0.scanOnPush = false
            $0.scannerURL = "http://127.0.0.1:\(port)"
            $0.scannerAuthorization = "Bearer adapter-secret"
        }
        let zip = try await VulnerabilityDatabaseTests.archive(VulnerabilityDatabaseTests.records, in: TestRegistry.temporaryFolder() + "-osv")
        let imported = try await registry.request(
            .POST, "/api/v1/vulndb", headers: [Self.admin, ("Content-Type", "application/zip")],
            body: Array(try Data(contentsOf: URL(fileURLWithPath: zip))))
        #expect(imported.status == 200, "\(imported.text)")
        let layer = try await ScanningTests.layer([
            "etc/os-release": "ID=debian\nVERSION_ID=\"12\"\n", "var/lib/dpkg/status": ScanningTests.dpkgStatus,
        ])
        let setting = "/api/v1/projects/team/scanning"

        // Both: Berth's findings and the adapter's, merged; the pull policy counts both.
        var set = try await registry.request(
            .PUT, setting, headers: [Self.admin, Self.json], body: Content.json(["scanner": "both", "block_severity": "critical"]))
        #expect(set.status == 200 || set.status == 204, "\(set.text)")
        #expect(try await registry.request(.GET, setting, headers: [Self.admin]).json()["scanner"] as? String == "both")
        let both = try await ScanningTests.pushImage(registry, "team/app", tag: "both", layers: [layer])
        var report = try await Self.scan(registry, "team/app", both)
        #expect(report["status"] as? String == "done", "\(report)")
        var found = report["vulnerabilities"] as? [[String: Any]] ?? []
        #expect(Set(found.compactMap { $0["id"] as? String }) == ["DEBIAN-CVE-2024-0001", "CVE-2099-0001"], "\(report)")
        let external = found.first { $0["id"] as? String == "CVE-2099-0001" }
        #expect(external?["scanner"] as? String == "TestScanner 1.0" && external?["severity"] as? String == "critical", "\(found)")
        #expect(external?["package"] as? String == "adapter-found" && external?["fixed_version"] as? String == "1.1", "\(found)")
        #expect((report["summary"] as? [String: Int])?["critical"] == 2, "\(report)")
        let pull = try await registry.request(.GET, "/v2/team/app/manifests/both", headers: [Self.admin, ("Accept", MediaType.ociManifest)])
        #expect(pull.status == 403 && pull.text.contains("vulnerability policy"), "\(pull.text)")

        // External only: no layer is read here, the adapter's findings alone.
        set = try await registry.request(.PUT, setting, headers: [Self.admin, Self.json], body: Content.json(["scanner": "external"]))
        #expect(set.status == 200 || set.status == 204, "\(set.text)")
        let only = try await ScanningTests.pushImage(registry, "team/app", tag: "external", layers: [layer])
        report = try await Self.scan(registry, "team/app", only)
        found = report["vulnerabilities"] as? [[String: Any]] ?? []
        #expect(found.compactMap { $0["id"] as? String } == ["CVE-2099-0001"], "\(report)")
        #expect(report["packages"] as? Int == 0, "\(report)")

        // A setting Berth cannot check is refused.
        set = try await registry.request(.PUT, setting, headers: [Self.admin, Self.json], body: Content.json(["scanner": "trivy"]))
        #expect(set.status == 400, "\(set.text)")
    }

    @Test func anAdapterThatCannotBeReachedFailsTheScan() async throws {
        // A port nothing listens on: the scan fails, saying so; while_unscanned decides the pulls.
        let (registry, _) = try await AuthTests.start {
            $0.scanOnPush = false
            $0.scannerURL = "http://127.0.0.1:\((try? freePort()) ?? 9)"
        }
        let set = try await registry.request(
            .PUT, "/api/v1/projects/team/scanning", headers: [Self.admin, Self.json],
            body: Content.json(["scanner": "external", "block_severity": "high", "while_unscanned": "block"]))
        #expect(set.status == 200 || set.status == 204, "\(set.text)")
        let layer = try await ScanningTests.layer(["etc/os-release": "ID=debian\nVERSION_ID=\"12\"\n"])
        let digest = try await ScanningTests.pushImage(registry, "team/app", tag: "v1", layers: [layer])
        let report = try await Self.scan(registry, "team/app", digest)
        #expect(report["status"] as? String == "failed", "\(report)")
        #expect("\(report["error"] ?? "")".contains("Connection refused") || "\(report)".contains("connect"), "\(report)")
        let pull = try await registry.request(.GET, "/v2/team/app/manifests/v1", headers: [Self.admin, ("Accept", MediaType.ociManifest)])
        #expect(pull.status == 403, "\(pull.text)")
    }
}
