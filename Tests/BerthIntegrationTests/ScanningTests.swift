@testable import BerthMetadata
import Foundation
import OCI
import Testing

/// Scanning end to end on a real server: an image whose layers hold a
/// Debian package database and a Python package (files written by the
/// test, packed by GNU tar and gzip), the OSV fixtures of
/// `VulnerabilityDatabaseTests`, a scan queued by the push itself, and
/// one asked for; an upper layer's whiteout removes a package.
@Suite("Scanning")
struct ScanningTests {
    static let admin = AuthTests.basic("admin")

    /// A gzip-compressed tar of `files` (path → text), and `whiteouts` (empty files named `.wh.<name>`).
    static func layer(_ files: [String: String]) async throws -> [UInt8] {
        let work = TestRegistry.temporaryFolder() + "-layer"
        defer { try? FileManager.default.removeItem(atPath: work) }
        for (path, text) in files {
            let full = work + "/root/" + path
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: full))
        }
        try FileManager.default.createDirectory(atPath: work + "/root", withIntermediateDirectories: true)
        let made = try await runCommand(["sh", "-c", "cd '\(work)' && tar -C root -cf - . | gzip -n > layer.tar.gz"])
        guard made.status == 0 else { throw TestFailure("tar: \(made.output)") }
        return try [UInt8](Data(contentsOf: URL(fileURLWithPath: work + "/layer.tar.gz")))
    }

    static let dpkgStatus = """
        Package: libssl3
        Status: install ok installed
        Source: openssl
        Version: 3.0.11-1~deb12u2
        Architecture: amd64

        Package: base-files
        Status: install ok installed
        Version: 12.4+deb12u5

        """

    static func pushImage(_ registry: TestRegistry, _ repository: String, tag: String, layers: [[UInt8]]) async throws -> Digest {
        let config = Content.json(["architecture": "amd64", "os": "linux", "rootfs": ["type": "layers", "diff_ids": [String]()]])
        try await registry.pushBlob(repository, config, headers: [admin])
        for layer in layers { try await registry.pushBlob(repository, layer, headers: [admin]) }
        let manifest = Content.json([
            "schemaVersion": 2, "mediaType": MediaType.ociManifest,
            "config": Content.descriptor("application/vnd.oci.image.config.v1+json", config),
            "layers": layers.map { Content.descriptor("application/vnd.oci.image.layer.v1.tar+gzip", $0) },
        ])
        return try await registry.pushManifest(repository, tag, manifest, headers: [admin])
    }

    static func report(_ registry: TestRegistry, _ repository: String, _ digest: Digest, until wanted: Set<String>) async throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(30)
        var last: [String: Any] = [:]
        while Date() < deadline {
            last = try await registry.request(.GET, "/api/v1/vulnerabilities?repository=\(repository)&digest=\(digest)", headers: [admin]).json()
            if let status = last["status"] as? String, wanted.contains(status) { return last }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw TestFailure("no report within 30 s: \(last)")
    }

    @Test func aPushedImageIsScannedAndItsVulnerabilitiesListed() async throws {
        let (registry, _) = try await AuthTests.start { $0.scanOnPush = true }
        let zip = try await VulnerabilityDatabaseTests.archive(VulnerabilityDatabaseTests.records, in: TestRegistry.temporaryFolder() + "-osv")
        let imported = try await registry.request(
            .POST, "/api/v1/vulndb", headers: [Self.admin, ("Content-Type", "application/zip")],
            body: Array(try Data(contentsOf: URL(fileURLWithPath: zip))))
        #expect(imported.status == 200, "\(imported.text)")
        let never = try await registry.request(.GET, "/api/v1/vulnerabilities?repository=team/app&digest=sha256:\(String(repeating: "0", count: 64))", headers: [Self.admin]).json()
        #expect(never["status"] as? String == "none", "\(never)")

        let base = try await Self.layer([
            "usr/lib/os-release": "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n",
            "var/lib/dpkg/status": Self.dpkgStatus,
            "usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\n\nbody\n",
        ])
        // etc/os-release is a symbolic link, as in Debian's images.
        let link = try await Self.symlinkLayer()
        let digest = try await Self.pushImage(registry, "team/app", tag: "v1", layers: [base, link])
        // Scanned because it was pushed: no request needed.
        let report = try await Self.report(registry, "team/app", digest, until: ["done", "failed"])
        #expect(report["status"] as? String == "done", "\(report)")
        let found = (report["vulnerabilities"] as? [[String: Any]] ?? [])
        #expect(Set(found.compactMap { $0["id"] as? String }) == ["DEBIAN-CVE-2024-0001", "PYSEC-2024-0002"], "\(report)")
        let openssl = found.first { $0["id"] as? String == "DEBIAN-CVE-2024-0001" }
        #expect(openssl?["package"] as? String == "libssl3" && openssl?["source_package"] as? String == "openssl", "\(found)")
        #expect(openssl?["ecosystem"] as? String == "Debian:12" && openssl?["fixed_version"] as? String == "3.0.13-1~deb12u1", "\(found)")
        #expect((report["summary"] as? [String: Int])?["critical"] == 1, "\(report)")
        // Under the project, as Harbor's paths name it, and in Harbor's report format when asked.
        let artifact = "/api/v1/projects/team/repositories/app/artifacts/\(digest)"
        let same = try await registry.request(.GET, artifact + "/vulnerabilities", headers: [Self.admin]).json()
        #expect((same["vulnerabilities"] as? [[String: Any]])?.count == found.count, "\(same)")
        let harbor = try await registry.request(
            .GET, artifact + "/vulnerabilities", headers: [Self.admin, ("Accept", "application/vnd.security.vulnerability.report; version=1.1")])
        #expect(harbor.header("Content-Type") == "application/vnd.security.vulnerability.report; version=1.1", "\(harbor.text)")
        let harborReport = try harbor.json()
        #expect(harborReport["severity"] as? String == "Critical", "\(harborReport)")
        let harborOpenssl = (harborReport["vulnerabilities"] as? [[String: Any]] ?? []).first { $0["id"] as? String == "DEBIAN-CVE-2024-0001" }
        #expect(harborOpenssl?["version"] as? String == "3.0.11-1~deb12u2" && harborOpenssl?["fix_version"] as? String == "3.0.13-1~deb12u1", "\(harborReport)")
        #expect(harborOpenssl?["severity"] as? String == "Critical" && harborOpenssl?["package"] as? String == "libssl3", "\(harborReport)")
        #expect(try await registry.request(.POST, artifact + "/scan", headers: [AuthTests.basic("guest")]).status == 403)
        // The scan is an event (audit log, webhooks) and a metric.
        var audited = ""
        for _ in 0..<50 where !audited.contains(digest.description) {
            audited = try await registry.request(.GET, "/api/v1/audit?action=scan.completed", headers: [Self.admin]).text
            if !audited.contains(digest.description) { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(audited.contains(digest.description) && audited.contains("critical 1"), "\(audited)")
        let metrics = try await registry.request(.GET, "/metrics").text
        #expect(metrics.contains(#"berth_scans_total{result="done"} 1"#) && metrics.contains("berth_scan_duration_seconds_count 1"), "\(metrics)")
        // The database's age is read every few seconds.
        var aged = false
        for _ in 0..<50 where !aged {
            aged = try await registry.request(.GET, "/metrics").text.contains("berth_vulndb_age_seconds")
            if !aged { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(aged)

        // The SBOMs are referrers of the image, and list its packages.
        let referrers = try await registry.request(.GET, "/v2/team/app/referrers/\(digest)", headers: [Self.admin]).json()
        let listed = referrers["manifests"] as? [[String: Any]] ?? []
        #expect(Set(listed.compactMap { $0["artifactType"] as? String }) == ["application/vnd.cyclonedx+json", "application/spdx+json"], "\(referrers)")
        let sbom = try #require((report["sbom"] as? [String: Any])?["cyclonedx"] as? String)
        #expect(listed.contains { $0["digest"] as? String == sbom }, "\(listed)")
        let sbomManifest = try await registry.request(.GET, "/v2/team/app/manifests/\(sbom)", headers: [Self.admin, ProxyTests.accept]).json()
        let document = try #require(((sbomManifest["layers"] as? [[String: Any]])?.first?["digest"]) as? String)
        let cycloneDX = try await registry.request(.GET, "/v2/team/app/blobs/\(document)", headers: [Self.admin]).json()
        let purls = (cycloneDX["components"] as? [[String: Any]] ?? []).compactMap { $0["purl"] as? String }
        #expect(purls.contains { $0.hasPrefix("pkg:deb/debian/libssl3@") } && purls.contains { $0.hasPrefix("pkg:pypi/requests@2.31.0") }, "\(purls)")
        #expect(cycloneDX["specVersion"] as? String == "1.5")

        // An upper layer removes the Python package: a new image, scanned on request too.
        let removal = try await Self.layer(["usr/lib/python3/dist-packages/.wh.requests-2.31.0.dist-info": ""])
        let slim = try await Self.pushImage(registry, "team/app", tag: "v2", layers: [base, link, removal])
        _ = try await Self.report(registry, "team/app", slim, until: ["done"])
        let asked = try await registry.request(
            .POST, "/api/v1/scan", headers: [Self.admin, ("Content-Type", "application/json")],
            body: Content.json(["repository": "team/app", "digest": slim.description]))
        #expect(asked.status == 202, "\(asked.text)")
        let askedUnderProject = try await registry.request(.POST, "/api/v1/projects/team/repositories/app/artifacts/\(slim)/scan", headers: [Self.admin])
        #expect(askedUnderProject.status == 202, "\(askedUnderProject.text)")
        let again = try await Self.report(registry, "team/app", slim, until: ["done"])
        #expect((again["vulnerabilities"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String } == ["DEBIAN-CVE-2024-0001"], "\(again)")
        // A guest reads reports; only developers ask for scans.
        let byGuest = try await registry.request(
            .POST, "/api/v1/scan", headers: [AuthTests.basic("guest"), ("Content-Type", "application/json")],
            body: Content.json(["repository": "team/app", "digest": slim.description]))
        #expect(byGuest.status == 403)
        let read = try await registry.request(.GET, "/api/v1/vulnerabilities?repository=team/app&digest=\(slim)", headers: [AuthTests.basic("guest")])
        #expect(read.status == 200)

        // The repository's artifacts, newest first, with their scans' counts; the SBOMs are reached through their subject.
        let listing = "/api/v1/projects/team/repositories/app/artifacts"
        let page0 = try await registry.request(.GET, listing, headers: [AuthTests.basic("guest")]).json()
        let artifacts = page0["artifacts"] as? [[String: Any]] ?? []
        #expect(artifacts.compactMap { $0["digest"] as? String } == [slim.description, digest.description], "\(page0)")
        #expect(artifacts.map { $0["tags"] as? [String] ?? [] } == [["v2"], ["v1"]], "\(page0)")
        let firstScan = artifacts.last?["scan"] as? [String: Any] ?? [:]
        let counts = firstScan["summary"] as? [String: Int] ?? [:]
        #expect(firstScan["status"] as? String == "done" && counts["critical"] == 1 && counts["low"] == 0, "\(page0)")
        #expect(page0["next"] == nil, "\(page0)")
        // A page at a time, the next one named by the answer.
        let page = try await registry.request(.GET, listing + "?limit=1", headers: [Self.admin]).json()
        let next = try #require(page["next"] as? String, "\(page)")
        let rest = try await registry.request(.GET, next, headers: [Self.admin]).json()
        #expect((rest["artifacts"] as? [[String: Any]])?.compactMap { $0["digest"] as? String } == [digest.description], "\(rest)")
        for bad in ["?limit=0", "?limit=1001", "?after=nonsense", "?after=-1:sha256:\(String(repeating: "0", count: 64))"] {
            #expect(try await registry.request(.GET, listing + bad, headers: [Self.admin]).status == 400, "\(bad)")
        }

        // A deleted manifest's scan goes with it: its report, packages and findings.
        #expect(try await registry.request(.DELETE, "/v2/team/app/manifests/\(slim)", headers: [Self.admin]).status == 202)
        let gone = try await registry.request(.GET, "/api/v1/vulnerabilities?repository=team/app&digest=\(slim)", headers: [Self.admin]).json()
        #expect(gone["status"] as? String == "none", "\(gone)")
        let backend = try await TestBackends.openBackend(registry.dataFolder)
        let left = try await backend.read { db in
            try ["scan_packages", "scan_findings"].map { table in
                try db.row("SELECT COUNT(*) AS n FROM \(table) WHERE digest = ?", .text(slim.description))?.integer("n") ?? -1
            }
        }
        #expect(left == [0, 0])
        try await backend.close()
        try await registry.stop()
    }

    /// A layer holding only the link etc/os-release → ../usr/lib/os-release.
    static func symlinkLayer() async throws -> [UInt8] {
        let work = TestRegistry.temporaryFolder() + "-link"
        defer { try? FileManager.default.removeItem(atPath: work) }
        try FileManager.default.createDirectory(atPath: work + "/root/etc", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: work + "/root/etc/os-release", withDestinationPath: "../usr/lib/os-release")
        let made = try await runCommand(["sh", "-c", "cd '\(work)' && tar -C root -cf - . | gzip -n > layer.tar.gz"])
        guard made.status == 0 else { throw TestFailure("tar: \(made.output)") }
        return try [UInt8](Data(contentsOf: URL(fileURLWithPath: work + "/layer.tar.gz")))
    }
}
