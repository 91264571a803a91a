import Foundation
@testable import BerthSBOM

enum DocumentFixtures {
    static let digest = "sha256:" + String(repeating: "ab", count: 32)
    static let subject = ImageSubject(
        repository: "registry.example.com/library/nginx", digest: digest,
        platform: "linux/amd64", created: Date(timeIntervalSince1970: 1_700_000_000.75))
    static let distribution = Distribution(id: "debian", versionID: "12", ecosystem: "deb")
    static let tool = (name: "berth", version: "1.2.3")
    static let packages: [DetectedPackage] = [
        DetectedPackage(ecosystem: "deb", name: "openssl", version: "3.0.11-1~deb12u2", source: "openssl",
                        sourceVersion: "3.0.11-1~deb12u2", location: "/var/lib/dpkg/status",
                        purl: "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12"),
        DetectedPackage(ecosystem: "deb", name: "libc6", version: "2.36-9", source: "glibc", sourceVersion: nil,
                        location: "/var/lib/dpkg/status", purl: "pkg:deb/debian/libc6@2.36-9?arch=amd64"),
        DetectedPackage(ecosystem: "npm", name: "left-pad", version: "1.3.0", source: nil, sourceVersion: nil,
                        location: "/app/node_modules/left-pad/package.json", purl: "pkg:npm/left-pad@1.3.0"),
        // exact duplicate purl at another location
        DetectedPackage(ecosystem: "npm", name: "left-pad", version: "1.3.0", source: nil, sourceVersion: nil,
                        location: "/other/node_modules/left-pad/package.json", purl: "pkg:npm/left-pad@1.3.0"),
    ]

    static let hostile = "\u{0}\u{1}\u{7}\u{8}\u{b}\u{c}\u{1b}[31m\"\\/\n\r\t\u{7f}\u{2028}\u{2029}\u{feff}é\u{301}😀 <script>&amp;#${x}%zz%"
    static let hostilePackages: [DetectedPackage] = [
        DetectedPackage(ecosystem: hostile, name: hostile, version: hostile, source: hostile, sourceVersion: hostile,
                        location: hostile, purl: hostile),
        DetectedPackage(ecosystem: "npm", name: hostile, version: "1", source: nil, sourceVersion: nil,
                        location: "/x", purl: "pkg:npm/" + hostile + "@1 2"),
        DetectedPackage(ecosystem: "", name: "", version: "", source: nil, sourceVersion: "", location: "", purl: ""),
        DetectedPackage(ecosystem: "", name: "", version: "", source: nil, sourceVersion: "", location: "", purl: ""),
        DetectedPackage(ecosystem: "x", name: "caf\u{e9}", version: "1", source: nil, sourceVersion: nil, location: "/a", purl: "pkg:x/caf\u{e9}@1"),
        DetectedPackage(ecosystem: "x", name: "cafe\u{301}", version: "1", source: nil, sourceVersion: nil, location: "/a", purl: "pkg:x/cafe\u{301}@1"),
    ]
    static let hostileSubject = ImageSubject(
        repository: "../" + hostile + "/./a b", digest: "sha256:" + hostile, platform: hostile,
        created: Date(timeIntervalSince1970: .nan))

    static func json(_ bytes: [UInt8]) throws -> [String: Any] {
        let obj = try JSONSerialization.jsonObject(with: Data(bytes))
        guard let dict = obj as? [String: Any] else { throw TestError.notAnObject }
        return dict
    }

    enum TestError: Error { case notAnObject }
}
