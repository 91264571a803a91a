import Foundation
import OCI
import Testing

/// The detectors that read binary package databases, on a real server: an
/// rpmdb.sqlite written by Python's sqlite3 with rpm header blobs (one
/// large enough to spill onto overflow pages, and enough rows for interior
/// pages), a Go executable built by `go build` from a vendored module, and
/// an executable carrying cargo-auditable's dependency section.
@Suite("Scanning binary package databases")
struct ScanningDetectorsTests {
    static let admin = AuthTests.basic("admin")

    static var records: [String: [String: Any]] { [
        "RLSA-2024-0006.json": VulnerabilityDatabaseTests.record(
            "RLSA-2024-0006", ecosystem: "Rocky Linux:9", package: "openssl", events: [["introduced": "0"], ["fixed": "1:3.0.7-25.el9"]]),
        "RLSA-2024-0007.json": VulnerabilityDatabaseTests.record(
            "RLSA-2024-0007", ecosystem: "Rocky Linux:9", package: "bash", events: [["introduced": "0"], ["fixed": "5.1.8-9.el9"]]),
        "RLSA-2024-0009.json": VulnerabilityDatabaseTests.record(
            "RLSA-2024-0009", ecosystem: "Rocky Linux:9", package: "zlib", events: [["introduced": "0"], ["fixed": "1.2.11-30.el9"]]),
        "GO-2024-0005.json": VulnerabilityDatabaseTests.record(
            "GO-2024-0005", ecosystem: "Go", package: "golang.org/x/text", events: [["introduced": "0"], ["fixed": "0.3.8"]]),
        "GO-2024-0008.json": VulnerabilityDatabaseTests.record(
            "GO-2024-0008", ecosystem: "Go", package: "stdlib", events: [["introduced": "0"], ["fixed": "99.0.0"]]),
        "RUSTSEC-2024-0010.json": VulnerabilityDatabaseTests.record(
            "RUSTSEC-2024-0010", ecosystem: "crates.io", package: "smallvec", events: [["introduced": "0"], ["fixed": "1.6.1"]]),
        // cc is a build-time dependency: it is not in the executable, so this one must not be found.
        "RUSTSEC-2024-0011.json": VulnerabilityDatabaseTests.record(
            "RUSTSEC-2024-0011", ecosystem: "crates.io", package: "cc", events: [["introduced": "0"], ["fixed": "9.0.0"]]),
    ] }

    /// `usr/local/bin/tool`: an ELF executable (the system's `true`) given a
    /// `.dep-v0` section as cargo-auditable writes it (zlib-compressed JSON,
    /// here by Python's zlib at level 9) with `objcopy`: no Rust toolchain is needed.
    static func rustBinary(into root: String) async throws {
        let work = root + "-rust"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/usr/local/bin", withIntermediateDirectories: true)
        let json = #"{"packages":[{"name":"tool","version":"0.1.0","source":"local","kind":"runtime","root":true,"dependencies":[1,2]},"#
            + #"{"name":"smallvec","version":"1.6.0","source":"crates.io","kind":"runtime","dependencies":[]},"#
            + #"{"name":"cc","version":"1.0.0","source":"crates.io","kind":"build","dependencies":[]}]}"#
        try Data(json.utf8).write(to: URL(fileURLWithPath: work + "/deps.json"))
        let made = try await runCommand([
            "sh", "-c",
            "python3 -c 'import sys, zlib; sys.stdout.buffer.write(zlib.compress(open(sys.argv[1], \"rb\").read(), 9))' '\(work)/deps.json' > '\(work)/deps.z'"
                + " && objcopy --add-section .dep-v0='\(work)/deps.z' --set-section-flags .dep-v0=alloc,readonly /usr/bin/true '\(root)/usr/local/bin/tool'",
        ])
        guard made.status == 0 else { throw TestFailure("objcopy: \(made.output)") }
    }

    /// An rpm database as RHEL 9 keeps it: `Packages(hnum, blob)`, each blob
    /// a header (index entries, then data). openssl-libs comes from the
    /// openssl source rpm with epoch 1; zlib is at the fixed release.
    static let rpmdbScript = #"""
        import sqlite3, struct, sys
        def header(tags):
            index, data = b"", b""
            for tag, kind, value in tags:
                if kind == 4:
                    while len(data) % 4: data += b"\0"
                    payload = struct.pack(">I", value)
                else:
                    payload = value.encode() + b"\0"
                index += struct.pack(">IIII", tag, kind, len(data), 1)
                data += payload
            return struct.pack(">II", len(tags), len(data)) + index + data
        def package(name, version, release, source, epoch=None, filler=0):
            tags = [(1000, 6, name), (1001, 6, version), (1002, 6, release), (1022, 6, "x86_64"), (1044, 6, source)]
            if epoch is not None: tags.append((1003, 4, epoch))
            if filler: tags.append((1004, 6, "x" * filler))  # a summary long enough for overflow pages
            return header(tags)
        db = sqlite3.connect(sys.argv[1])
        db.execute("PRAGMA page_size = 4096")
        db.execute("CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)")
        rows = [package("openssl-libs", "3.0.7", "24.el9", "openssl-3.0.7-24.el9.src.rpm", epoch=1, filler=20000),
                package("bash", "5.1.8", "6.el9", "bash-5.1.8-6.el9.src.rpm"),
                package("zlib", "1.2.11", "30.el9", "zlib-1.2.11-30.el9.src.rpm"),
                package("gpg-pubkey", "1", "1", "")]
        rows += [package("filler%d" % i, "1.0", "1.el9", "filler%d-1.0-1.el9.src.rpm" % i) for i in range(400)]
        db.executemany("INSERT INTO Packages (blob) VALUES (?)", [(r,) for r in rows])
        db.commit()
        db.close()
        """#

    /// A gzip-compressed tar of the files of `root` (built on disk by the caller).
    static func layer(of root: String) async throws -> [UInt8] {
        let made = try await runCommand(["sh", "-c", "tar -C '\(root)' -cf - . | gzip -n > '\(root).tar.gz'"])
        guard made.status == 0 else { throw TestFailure("tar: \(made.output)") }
        return try [UInt8](Data(contentsOf: URL(fileURLWithPath: root + ".tar.gz")))
    }

    /// `usr/bin/app`, a static Go executable needing golang.org/x/text v0.3.0 (vendored: no network).
    static func goBinary(into root: String) async throws {
        let work = root + "-go"
        let files = [
            "go.mod": "module example.test/app\n\ngo 1.19\n\nrequire golang.org/x/text v0.3.0\n",
            "main.go": "package main\n\nimport \"golang.org/x/text/lib\"\n\nfunc main() { lib.Hello() }\n",
            "vendor/golang.org/x/text/lib/lib.go": "package lib\n\nimport \"fmt\"\n\nfunc Hello() { fmt.Println(\"hello\") }\n",
            "vendor/modules.txt": "# golang.org/x/text v0.3.0\n## explicit\ngolang.org/x/text/lib\n",
        ]
        for (path, text) in files {
            let full = work + "/" + path
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: full))
        }
        try FileManager.default.createDirectory(atPath: root + "/usr/bin", withIntermediateDirectories: true)
        let built = try await runCommand([
            "env", "HOME=\(work)", "GOPATH=\(work)/gopath", "GOCACHE=\(work)/cache", "GOFLAGS=-mod=vendor", "GOPROXY=off", "CGO_ENABLED=0",
            "sh", "-c", "cd '\(work)' && go build -o '\(root)/usr/bin/app' .",
        ])
        guard built.status == 0 else { throw TestFailure("go build: \(built.output)") }
    }

    @Test func rpmDatabasesAndGoExecutablesAreRead() async throws {
        let (registry, _) = try await AuthTests.start { $0.scanOnPush = true }
        let zip = try await VulnerabilityDatabaseTests.archive(Self.records, in: TestRegistry.temporaryFolder() + "-osv")
        let imported = try await registry.request(
            .POST, "/api/v1/vulndb", headers: [Self.admin, ("Content-Type", "application/zip")], body: Array(try Data(contentsOf: URL(fileURLWithPath: zip))))
        #expect(imported.status == 200, "\(imported.text)")

        let root = TestRegistry.temporaryFolder() + "-root"
        try FileManager.default.createDirectory(atPath: root + "/etc", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/var/lib/rpm", withIntermediateDirectories: true)
        try Data("ID=\"rocky\"\nVERSION_ID=\"9.3\"\n".utf8).write(to: URL(fileURLWithPath: root + "/etc/os-release"))
        let folder = TestRegistry.temporaryFolder() + "-rpmdb"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data(Self.rpmdbScript.utf8).write(to: URL(fileURLWithPath: folder + "/make.py"))
        let made = try await runCommand(["python3", folder + "/make.py", root + "/var/lib/rpm/rpmdb.sqlite"])
        try #require(made.status == 0, "python3: \(made.output)")
        let hasGo = isInstalled("go")
        if hasGo { try await Self.goBinary(into: root) }
        let hasObjcopy = isInstalled("objcopy")
        if hasObjcopy { try await Self.rustBinary(into: root) }
        let digest = try await ScanningTests.pushImage(registry, "team/rocky", tag: "9", layers: [try await Self.layer(of: root)])

        let report = try await ScanningTests.report(registry, "team/rocky", digest, until: ["done", "failed"])
        #expect(report["status"] as? String == "done", "\(report)")
        let found = report["vulnerabilities"] as? [[String: Any]] ?? []
        var expected: Set<String> = ["RLSA-2024-0006", "RLSA-2024-0007"]
        if hasGo { expected.formUnion(["GO-2024-0005", "GO-2024-0008"]) }
        if hasObjcopy { expected.insert("RUSTSEC-2024-0010") }
        #expect(Set(found.compactMap { $0["id"] as? String }) == expected, "\(found)")
        // The binary package through its source rpm, with its epoch.
        let openssl = found.first { $0["id"] as? String == "RLSA-2024-0006" }
        #expect(openssl?["package"] as? String == "openssl-libs" && openssl?["source_package"] as? String == "openssl", "\(found)")
        #expect(openssl?["installed_version"] as? String == "1:3.0.7-24.el9" && openssl?["ecosystem"] as? String == "Rocky Linux:9", "\(found)")
        if hasGo {
            let text = found.first { $0["id"] as? String == "GO-2024-0005" }
            #expect(text?["installed_version"] as? String == "v0.3.0" && text?["fixed_version"] as? String == "0.3.8", "\(found)")
        } else if ProcessInfo.processInfo.environment["CI"] != nil {
            Issue.record("go is not installed: .ci/run installs golang-go for this test")
        } else {
            print("Test rpmDatabasesAndGoExecutablesAreRead: its Go part skipped, since go is not installed")
        }
        if hasObjcopy {
            let smallvec = found.first { $0["id"] as? String == "RUSTSEC-2024-0010" }
            #expect(smallvec?["installed_version"] as? String == "1.6.0" && smallvec?["ecosystem"] as? String == "crates.io", "\(found)")
        } else if ProcessInfo.processInfo.environment["CI"] != nil {
            Issue.record("objcopy is not installed: .ci/run installs binutils for this test")
        } else {
            print("Test rpmDatabasesAndGoExecutablesAreRead: its Rust part skipped, since objcopy is not installed")
        }

        // The SBOM lists all 403 real packages (not gpg-pubkey), as purls.
        let sbom = try #require((report["sbom"] as? [String: Any])?["cyclonedx"] as? String)
        let manifest = try await registry.request(.GET, "/v2/team/rocky/manifests/\(sbom)", headers: [Self.admin, ProxyTests.accept]).json()
        let document = try #require(((manifest["layers"] as? [[String: Any]])?.first?["digest"]) as? String)
        let cycloneDX = try await registry.request(.GET, "/v2/team/rocky/blobs/\(document)", headers: [Self.admin]).json()
        let purls = (cycloneDX["components"] as? [[String: Any]] ?? []).compactMap { $0["purl"] as? String }
        #expect(purls.filter { $0.hasPrefix("pkg:rpm/rocky/") }.count == 403, "\(purls.count) purls")
        #expect(purls.contains { $0.hasPrefix("pkg:rpm/rocky/openssl-libs@3.0.7-24.el9?") && $0.contains("epoch=1") }, "\(purls.prefix(5))")
        #expect(!purls.contains { $0.contains("gpg-pubkey") })
        if hasGo { #expect(purls.contains("pkg:golang/golang.org/x/text@v0.3.0"), "\(purls.filter { $0.hasPrefix("pkg:golang") })") }
        if hasObjcopy { #expect(purls.filter { $0.hasPrefix("pkg:cargo/") } == ["pkg:cargo/smallvec@1.6.0"], "\(purls.filter { $0.hasPrefix("pkg:cargo") })") }
        try await registry.stop()
    }
}
