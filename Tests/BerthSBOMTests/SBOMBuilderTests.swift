import Foundation
import Testing
@testable import BerthSBOM

@Suite struct SBOMTests {
    func pkg(_ r: [DetectedPackage], _ eco: String, _ name: String) -> DetectedPackage? {
        r.first { $0.ecosystem == eco && $0.name == name }
    }

    @Test(arguments: ["gnu", "posix", "ustar"])
    func detectsEverything(format: String) throws {
        let tar = try TarFixtures.tar(TarFixtures.baseLayer(), format: format)
        let r = try SBOMBuilder.run([tar], chunks: [65536])
        #expect(r.distribution == Distribution(id: "debian", versionID: "12", ecosystem: "Debian:12"))
        let p = r.packages

        // dpkg: the real status file of this machine.
        let dpkgVersion = TarFixtures.shell(["dpkg-query", "-W", "-f=${Version}", "dpkg"])
        let dpkg = try #require(pkg(p, "Debian:12", "dpkg"))
        #expect(dpkg.version == dpkgVersion)
        #expect(dpkg.location == "var/lib/dpkg/status")
        #expect(dpkg.purl == "pkg:deb/debian/dpkg@\(PackageURL.encode(dpkgVersion))?distro=debian-12")
        let installed = TarFixtures.shell(["dpkg-query", "-W", "-f=${Status}\n"])
            .split(separator: "\n").filter { $0 == "install ok installed" }.count
        #expect(p.filter { $0.location == "var/lib/dpkg/status" }.count == installed)
        if let libc = pkg(p, "Debian:12", "libc6") {
            #expect(libc.source == "glibc")
        }
        let tz = try #require(pkg(p, "Debian:12", "tzdata"))
        #expect(tz.source == "tzdata-src" && tz.sourceVersion == "2024a-0")
        #expect(tz.location == "var/lib/dpkg/status.d/tzdata")
        #expect(tz.purl == "pkg:deb/debian/tzdata@2024a-0%2Bdeb12u1?distro=debian-12")

        // apk (no Alpine os-release here → fallback ecosystem).
        let musl = try #require(pkg(p, "Alpine", "musl"))
        #expect(musl.version == "1.2.5-r0" && musl.source == "musl")
        #expect(pkg(p, "Alpine", "busybox-binsh")?.source == "busybox")

        // Python.
        let req = try #require(pkg(p, "PyPI", "requests"))
        #expect(req.version == "2.31.0" && req.purl == "pkg:pypi/requests@2.31.0")
        #expect(pkg(p, "PyPI", "Zope.Interface")?.purl == "pkg:pypi/zope-interface@5.0")
        #expect(pkg(p, "PyPI", "not-this") == nil)
        if let real = TarFixtures.realPythonMetadata, let (name, version) = PythonMetadata.parse(real.bytes) {
            #expect(pkg(p, "PyPI", name)?.version == version)
        }

        // npm: long path (>100 chars), lockfile, dedup, fixtures ignored.
        #expect(TarFixtures.longDir.utf8.count > 100)
        let scoped = try #require(pkg(p, "npm", "@scope/longname"))
        #expect(scoped.location == TarFixtures.longDir + "/package.json")
        #expect(scoped.purl == "pkg:npm/%40scope/longname@1.0.0")
        #expect(p.filter { $0.name == "left-pad" }.count == 1)
        #expect(pkg(p, "npm", "@types/node")?.version == "20.1.0")
        #expect(pkg(p, "npm", "fixture") == nil && pkg(p, "npm", "broken") == nil)
        #expect(pkg(p, "npm", "linked") == nil && pkg(p, "npm", "app") == nil)

        // Rust and Java.
        #expect(pkg(p, "crates.io", "serde")?.purl == "pkg:cargo/serde@1.0.200")
        #expect(pkg(p, "crates.io", "ignored") == nil)
        let demo = try #require(pkg(p, "Maven", "org.example:demo"))
        #expect(demo.purl == "pkg:maven/org.example/demo@2.0%2Bbuild")

        // Sorted.
        let keys = p.map { [$0.ecosystem, $0.name, $0.version] }
        #expect(keys == keys.sorted { $0.lexicographicallyPrecedes($1) })
    }

    @Test func chunkSizesDoNotMatter() throws {
        for format in ["gnu", "posix", "ustar"] {
            let tar = try TarFixtures.tar(TarFixtures.baseLayer(), format: format)
            let reference = try SBOMBuilder.run([tar], chunks: [65536])
            #expect(reference.packages.count > 10)
            var rng = SystemRandomNumberGenerator()
            let random = (0..<64).map { _ in [1, 7, 512, 4096, 65536].randomElement(using: &rng) ?? 1 }
            for chunks in [[1], [7], [512], [4096], random] {
                let r = try SBOMBuilder.run([tar], chunks: chunks)
                #expect(r.packages == reference.packages, "format \(format) chunks \(chunks.prefix(3))")
                #expect(r.distribution == reference.distribution)
            }
        }
    }

    @Test func whiteoutRemovesLowerPackageFolder() throws {
        let base = try TarFixtures.tar(TarFixtures.baseLayer(), format: "posix")
        var upper = TarFixtures.Tree()
        upper.write("usr/lib/python3/site-packages/.wh.requests-2.31.0.dist-info", "")
        upper.write("app/node_modules/left-pad/.wh.package.json", "")
        let r = try SBOMBuilder.run([base, try TarFixtures.tar(upper, format: "gnu")], chunks: [4096])
        #expect(pkg(r.packages, "PyPI", "requests") == nil)
        #expect(pkg(r.packages, "PyPI", "Zope.Interface") != nil)
        // left-pad still comes from package-lock.json.
        #expect(pkg(r.packages, "npm", "left-pad")?.location == "app/package-lock.json")
    }

    @Test func opaqueDirectoryRemovesStatusD() throws {
        let base = try TarFixtures.tar(TarFixtures.baseLayer(), format: "gnu")
        var upper = TarFixtures.Tree()
        upper.write("var/lib/dpkg/status.d/.wh..wh..opq", "")
        upper.write("var/lib/dpkg/status.d/newpkg", "Package: newpkg\nVersion: 1.0\n")
        upper.write("etc/os-release", "ID=ubuntu\nVERSION_ID=22.04\n") // replaces the symlink
        let r = try SBOMBuilder.run([base, try TarFixtures.tar(upper, format: "ustar")], chunks: [512])
        #expect(r.distribution?.ecosystem == "Ubuntu:22.04")
        #expect(!r.packages.contains { $0.location.hasPrefix("var/lib/dpkg/status.d/tzdata") })
        let n = try #require(pkg(r.packages, "Ubuntu:22.04", "newpkg"))
        #expect(n.purl == "pkg:deb/ubuntu/newpkg@1.0?distro=ubuntu-22.04")
        #expect(pkg(r.packages, "Ubuntu:22.04", "dpkg") != nil) // status file itself untouched
    }

    @Test func alpineDistribution() throws {
        var t = TarFixtures.Tree()
        t.write("etc/os-release", "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.20.3\n")
        t.write("lib/apk/db/installed", "P:musl\nV:1.2.5-r0\no:musl\n")
        let r = try SBOMBuilder.run([try TarFixtures.tar(t, format: "gnu")], chunks: [7])
        #expect(r.distribution?.ecosystem == "Alpine:v3.20")
        #expect(r.packages.first?.purl == "pkg:apk/alpine/musl@1.2.5-r0?distro=3.20")
        #expect(r.packages.first?.ecosystem == "Alpine:v3.20")
    }

    @Test func osReleaseEcosystems() {
        #expect(OSRelease.ecosystem(id: "rhel", versionID: "9.4") == "Red Hat")
        #expect(OSRelease.ecosystem(id: "rocky", versionID: "9.3") == "Rocky Linux:9")
        #expect(OSRelease.ecosystem(id: "almalinux", versionID: "8.10") == "AlmaLinux:8")
        #expect(OSRelease.ecosystem(id: "debian", versionID: "12") == "Debian:12")
        #expect(OSRelease.ecosystem(id: "arch", versionID: nil) == nil)
        #expect(OSRelease.parse(Array("ID='debian'\nVERSION_ID=\"11\" \n".utf8))?.ecosystem == "Debian:11")
    }

    @Test func captureIsNarrow() {
        let c = PackageDetectors.capture
        #expect(c("etc/os-release") && c("var/lib/dpkg/status") && c("var/lib/dpkg/status.d/libc6"))
        #expect(!c("var/lib/dpkg/status.d/libc6.md5sums") && !c("var/lib/dpkg/status-old"))
        #expect(c("x/node_modules/a/package.json") && c("x/node_modules/@s/a/package.json"))
        #expect(!c("x/node_modules/a/lib/package.json") && !c("x/node_modules/package.json"))
        #expect(!c("x/node_modules/a/package-lock.json") && c("app/package-lock.json"))
        #expect(c("usr/lib/python3.12/site-packages/x-1.dist-info/METADATA") && !c("src/x-1.dist-info/METADATA"))
        #expect(!c("usr/bin/python3") && !c("etc/passwd"))
    }

    @Test func garbageDoesNotCrash() throws {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            let junk = (0..<Int.random(in: 0..<3000, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            _ = DpkgStatus.parse(junk)
            _ = ApkInstalled.parse(junk)
            _ = PythonMetadata.parse(junk)
            _ = CargoLock.parse(junk)
            _ = MavenProperties.parse(junk)
            _ = OSRelease.parse(junk)
            _ = NpmPackages.json(junk)
            _ = RpmDatabase.parse(junk)
            _ = GoBuildInfoSniffer.parse([0xFF] + Array(" Go buildinf:".utf8) + junk)
            // An SQLite header over junk pages: the walk ends, whatever the pointers say.
            var database = Array("SQLite format 3\0".utf8) + [0x02, 0x00] + junk + Array(repeating: 0, count: 512)
            database[20] = 0
            _ = SQLiteFile(database)?.rows(ofTable: "Packages", limit: 100)
        }
        // A Go executable's build information found at any chunking of the stream.
        var elf: [UInt8] = [0x7F, 0x45, 0x4C, 0x46] + Array(repeating: 0x01, count: 4092)
        let modules: [UInt8] = Array(repeating: 0xA5, count: 16) + Array("path\tx\nmod\tx\t(devel)\t\ndep\texample.test/m\tv1.2.3\th1:x\n".utf8)
            + Array(repeating: 0x5A, count: 16)
        elf += [0xFF] + Array(" Go buildinf:".utf8) + [8, 2] + Array(repeating: 0, count: 16)
        elf += [8] + Array("go1.22.1".utf8) + [UInt8(modules.count)] + modules + Array(repeating: 0x02, count: 3000)
        for chunk in [1, 7, 16, 100, 5000] {
            var sniffer = GoBuildInfoSniffer()
            for start in stride(from: 0, to: elf.count, by: chunk) {
                elf[start..<min(start + chunk, elf.count)].withUnsafeBytes { sniffer.feed($0) }
            }
            let info = try #require(sniffer.found, "chunk \(chunk)")
            guard case .done(let go, let text) = GoBuildInfoSniffer.parse(info) else { Issue.record("chunk \(chunk)"); continue }
            #expect(GoBinaries.parse(goVersion: go, modules: text).map { "\($0.path)@\($0.version)" } == ["stdlib@1.22.1", "example.test/m@v1.2.3"])
        }
        // cargo-auditable's section found at any chunking, at any offset (here a stored block:
        // the integration test has zlib's compressed ones), past a header that is no stream.
        let json = Array(#"{"packages":[{"name":"smallvec","version":"1.6.0","source":"crates.io","kind":"runtime"}]}"#.utf8)
        let stored: [UInt8] = [0x78, 0x01, 0x01, UInt8(json.count & 0xFF), UInt8(json.count >> 8), ~UInt8(json.count & 0xFF), ~UInt8(json.count >> 8)]
        let rust: [UInt8] = [0x7F, 0x45, 0x4C, 0x46] + Array(repeating: 0x03, count: 1001) + [0x78, 0x9C, 0x01, 0x02] + Array(repeating: 0x04, count: 555)
            + stored + json + [0, 0, 0, 0] + Array(repeating: 0x05, count: 2000)
        for chunk in [1, 7, 321, 322, 5000] {
            var sniffer = RustAuditSniffer()
            for start in stride(from: 0, to: rust.count, by: chunk) {
                rust[start..<min(start + chunk, rust.count)].withUnsafeBytes { sniffer.feed($0) }
            }
            sniffer.finish()
            let found = try #require(sniffer.found, "chunk \(chunk)")
            #expect(RustBinaries.parse(found).map { "\($0.0)@\($0.1)" } == ["smallvec@1.6.0"], "chunk \(chunk)")
        }
        // Near the end of the file, and never in what is no ELF file.
        for bytes in [Array(rust.prefix(1005)) + stored + json, [0x7F, 0x45, 0x4C, 0x47] + Array(rust.dropFirst(4))] {
            var sniffer = RustAuditSniffer()
            bytes.withUnsafeBytes { sniffer.feed($0) }
            sniffer.finish()
            #expect((sniffer.found != nil) == (bytes[3] == 0x46))
        }
        _ = RustBinaries.parse(Array("{\"packages\":[{\"name\":1}]}".utf8))
        _ = TextLines.lines(Array(repeating: 0x41, count: 70_000) + [0x0A, 0x42])
        #expect(TextLines.lines(Array(repeating: 0x41, count: 70_000) + [0x0A, 0x42]) == ["B"])
    }
}
