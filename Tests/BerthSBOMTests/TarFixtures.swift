import Foundation
import TestProcesses
@testable import BerthSBOM

/// Builds real tar archives with GNU tar from temporary folders.
enum TarFixtures {
    static let longDir = "opt/" + String(repeating: "deeply-nested-directory/", count: 5) + "app/node_modules/@scope/longname"

    struct Tree {
        var files: [String: [UInt8]] = [:]
        var symlinks: [String: String] = [:]
        mutating func write(_ path: String, _ text: String) { files[path] = Array(text.utf8) }
    }

    static func tar(_ tree: Tree, format: String) throws -> [UInt8] {
        let fm = FileManager.default
        let root = fm.temporaryDirectory.appendingPathComponent("berth-\(UUID().uuidString)")
        defer { try? fm.removeItem(at: root) }
        for (path, bytes) in tree.files {
            let url = root.appendingPathComponent(path)
            try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }
        for (path, target) in tree.symlinks {
            let url = root.appendingPathComponent(path)
            try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try fm.createSymbolicLink(atPath: url.path, withDestinationPath: target)
        }
        let out = root.appendingPathExtension("tar")
        defer { try? fm.removeItem(at: out) }
        let tar = try ChildProcess.run(["/usr/bin/tar", "--format=\(format)", "--sort=name", "-C", root.path, "-cf", out.path, "."])
        guard tar.status == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: tar.output]) }
        return Array(try Data(contentsOf: out))
    }

    static func shell(_ args: [String]) -> String {
        guard let child = try? ChildProcess(args, standardOutput: .pipe) else { return "" }
        let data = child.output!.readDataToEndOfFile()
        child.waitBlocking()
        return String(decoding: data, as: UTF8.self)
    }

    static var realPythonMetadata: (dir: String, bytes: [UInt8])? {
        let base = "/usr/lib/python3/dist-packages"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: base) else { return nil }
        for n in names.sorted() where n.hasSuffix(".dist-info") {
            if let d = FileManager.default.contents(atPath: base + "/" + n + "/METADATA") { return (n, Array(d)) }
        }
        return nil
    }

    /// The main fixture: a Debian-like root with one file per detector.
    static func baseLayer() -> Tree {
        var t = Tree()
        t.write("usr/lib/os-release", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n")
        t.symlinks["etc/os-release"] = "../usr/lib/os-release"
        if let status = FileManager.default.contents(atPath: "/var/lib/dpkg/status") {
            t.files["var/lib/dpkg/status"] = Array(status)
        }
        t.write("var/lib/dpkg/status.d/tzdata", """
            Package: tzdata
            Version: 2024a-0+deb12u1
            Architecture: all
            Source: tzdata-src (2024a-0)
            Description: time zone
             and daylight-saving time data

            """)
        t.write("var/lib/dpkg/status.d/tzdata.md5sums", "abc  usr/share/zoneinfo/UTC\n")
        t.write("lib/apk/db/installed", """
            C:Q1abc=
            P:musl
            V:1.2.5-r0
            o:musl

            P:busybox-binsh
            V:1.36.1-r29
            o:busybox

            """)
        t.write("usr/lib/python3/site-packages/requests-2.31.0.dist-info/METADATA",
                "Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\n\nName: not-this\n")
        t.write("usr/lib/python3/site-packages/Zope.Interface-5.0.egg-info/PKG-INFO",
                "Metadata-Version: 1.1\nName: Zope.Interface\nVersion: 5.0\n")
        if let real = realPythonMetadata {
            t.files["usr/lib/python3/dist-packages/\(real.dir)/METADATA"] = real.bytes
        }
        t.write(longDir + "/package.json", #"{"name": "@scope/longname", "version": "1.0.0"}"#)
        t.write("app/node_modules/left-pad/package.json", #"{"name":"left-pad","version":"1.3.0","dependencies":{}}"#)
        t.write("app/node_modules/left-pad/test/fixtures/package.json", #"{"name":"fixture","version":"0.0.1"}"#)
        t.write("app/node_modules/broken/package.json", #"{"name": "broken", "version": "#)
        t.write("app/package-lock.json", #"""
            {"name":"app","lockfileVersion":3,"packages":{
              "":{"name":"app","version":"1.0.0"},
              "node_modules/left-pad":{"version":"1.3.0"},
              "node_modules/a/node_modules/@types/node":{"version":"20.1.0"},
              "node_modules/linked":{"resolved":"../x","link":true}}}
            """#)
        t.write("srv/Cargo.lock", """
            version = 3

            [[package]]
            name = "serde"
            version = "1.0.200"
            source = "registry+https://github.com/rust-lang/crates.io-index"

            [metadata]
            name = "ignored"
            version = "0"
            """)
        t.write("opt/app/META-INF/maven/org.example/demo/pom.properties",
                "#Generated\ngroupId=org.example\nartifactId=demo\nversion=2.0+build\n")
        t.write("usr/share/doc/readme.txt", "not captured")
        return t
    }
}

extension SBOMBuilder {
    /// Feeds each layer in chunks whose sizes cycle through `chunks`.
    static func run(_ layers: [[UInt8]], chunks: [Int]) throws -> (distribution: Distribution?, packages: [DetectedPackage]) {
        var b = SBOMBuilder()
        for layer in layers {
            var i = 0
            var k = 0
            while i < layer.count {
                let n = min(chunks[k % chunks.count], layer.count - i)
                try layer[i..<(i + n)].withUnsafeBytes { try b.feed(layer: $0) }
                i += n
                k += 1
            }
            try b.endLayer()
        }
        return b.result()
    }
}
