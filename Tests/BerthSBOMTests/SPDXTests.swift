import Foundation
import Testing
@testable import BerthSBOM

@Suite struct SPDXTests {
    let bytes = SBOMDocument.spdx(DocumentFixtures.subject, distribution: DocumentFixtures.distribution,
                                  packages: DocumentFixtures.packages, tool: DocumentFixtures.tool)

    @Test func documentFields() throws {
        let doc = try DocumentFixtures.json(bytes)
        #expect(doc["spdxVersion"] as? String == "SPDX-2.3")
        #expect(doc["dataLicense"] as? String == "CC0-1.0")
        #expect(doc["SPDXID"] as? String == "SPDXRef-DOCUMENT")
        #expect(doc["name"] as? String == "registry.example.com/library/nginx@\(DocumentFixtures.digest)")
        #expect(doc["documentNamespace"] as? String ==
            "https://berth.invalid/spdx/registry.example.com/library/nginx/sha256%3A\(String(repeating: "ab", count: 32))")
        #expect(doc["documentDescribes"] == nil)
        let ci = try #require(doc["creationInfo"] as? [String: Any])
        #expect(ci["created"] as? String == "2023-11-14T22:13:20Z")
        #expect(ci["creators"] as? [String] == ["Tool: berth-1.2.3"])
    }

    @Test func packagesAndRelationships() throws {
        let doc = try DocumentFixtures.json(bytes)
        let pkgs = try #require(doc["packages"] as? [[String: Any]])
        #expect(pkgs.count == 6)
        let image = pkgs[0]
        #expect(image["SPDXID"] as? String == "SPDXRef-Image")
        #expect(image["primaryPackagePurpose"] as? String == "CONTAINER")
        #expect(image["downloadLocation"] as? String == "NOASSERTION")
        #expect((image["checksums"] as? [[String: String]])?.first?["checksumValue"] == String(repeating: "ab", count: 32))
        #expect(pkgs[1]["primaryPackagePurpose"] as? String == "OPERATING_SYSTEM")
        let detected = Array(pkgs.dropFirst(2))
        let ids = pkgs.compactMap { $0["SPDXID"] as? String }
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.range(of: "^SPDXRef-[a-zA-Z0-9.-]+$", options: .regularExpression) != nil })
        #expect(detected[0]["SPDXID"] as? String == "SPDXRef-Package-1-libc6")
        for p in detected {
            #expect(p["downloadLocation"] as? String == "NOASSERTION")
            #expect(p["filesAnalyzed"] as? Bool == false)
            #expect(p["licenseConcluded"] as? String == "NOASSERTION")
            #expect(p["licenseDeclared"] as? String == "NOASSERTION")
            #expect(p["copyrightText"] as? String == "NOASSERTION")
            let refs = try #require(p["externalRefs"] as? [[String: String]])
            #expect(refs.first?["referenceCategory"] == "PACKAGE-MANAGER")
            #expect(refs.first?["referenceType"] == "purl")
            #expect(refs.first?["referenceLocator"]?.hasPrefix("pkg:") == true)
        }
        let openssl = try #require(detected.first { $0["name"] as? String == "openssl" })
        #expect(openssl["versionInfo"] as? String == "3.0.11-1~deb12u2")
        #expect((openssl["sourceInfo"] as? String)?.contains("openssl 3.0.11-1~deb12u2") == true)
        let leftPad = try #require(detected.first { $0["name"] as? String == "left-pad" })
        #expect(leftPad["sourceInfo"] == nil)

        let rels = try #require(doc["relationships"] as? [[String: String]])
        #expect(rels.contains(["spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES", "relatedSpdxElement": "SPDXRef-Image"]))
        for id in ids where id != "SPDXRef-Image" {
            #expect(rels.contains(["spdxElementId": "SPDXRef-Image", "relationshipType": "CONTAINS", "relatedSpdxElement": id]))
        }
        #expect(rels.count == 1 + ids.count - 1)
    }

    @Test func determinism() {
        #expect(SBOMDocument.spdx(DocumentFixtures.subject, distribution: DocumentFixtures.distribution,
                                  packages: DocumentFixtures.packages.reversed(), tool: DocumentFixtures.tool) == bytes)
        let a = SBOMDocument.spdx(DocumentFixtures.hostileSubject, distribution: nil, packages: DocumentFixtures.hostilePackages, tool: DocumentFixtures.tool)
        let b = SBOMDocument.spdx(DocumentFixtures.hostileSubject, distribution: nil, packages: DocumentFixtures.hostilePackages.reversed(), tool: DocumentFixtures.tool)
        #expect(a == b)
    }

    @Test func zeroPackages() throws {
        let doc = try DocumentFixtures.json(SBOMDocument.spdx(DocumentFixtures.subject, distribution: nil, packages: [], tool: DocumentFixtures.tool))
        #expect((doc["packages"] as? [Any])?.count == 1)
        #expect((doc["relationships"] as? [Any])?.count == 1)
    }

    @Test func hostileStrings() throws {
        let bytes = SBOMDocument.spdx(DocumentFixtures.hostileSubject,
                                      distribution: Distribution(id: DocumentFixtures.hostile, versionID: nil, ecosystem: nil),
                                      packages: DocumentFixtures.hostilePackages, tool: (DocumentFixtures.hostile, "1"))
        #expect(!bytes.contains { $0 < 0x20 && $0 != 0x0A })
        let doc = try DocumentFixtures.json(bytes)
        let ns = try #require(doc["documentNamespace"] as? String)
        #expect(URL(string: ns) != nil)
        #expect(ns.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F && $0 != "#" })
        #expect(!ns.contains("/../") && !ns.contains("/./"))
        let pkgs = try #require(doc["packages"] as? [[String: Any]])
        let ids = pkgs.compactMap { $0["SPDXID"] as? String }
        #expect(ids.count == pkgs.count && Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.range(of: "^SPDXRef-[a-zA-Z0-9.-]+$", options: .regularExpression) != nil })
        #expect(pkgs.allSatisfy { !(($0["name"] as? String) ?? "").isEmpty })
    }

    @Test func truncation() throws {
        let many = (0..<10).map {
            DetectedPackage(ecosystem: "npm", name: "p\($0)", version: "1", source: nil, sourceVersion: nil,
                            location: "/", purl: "pkg:npm/p\($0)@1")
        }
        let doc = try DocumentFixtures.json(SBOMDocument.spdx(DocumentFixtures.subject, distribution: nil, packages: many,
                                                      tool: DocumentFixtures.tool, limit: 4))
        #expect((doc["packages"] as? [Any])?.count == 5)
        #expect((doc["comment"] as? String)?.contains("truncated") == true)
    }
}
