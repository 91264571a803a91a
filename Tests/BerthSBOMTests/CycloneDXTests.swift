import Foundation
import Testing
@testable import BerthSBOM

@Suite struct CycloneDXTests {
    let bytes = SBOMDocument.cycloneDX(DocumentFixtures.subject, distribution: DocumentFixtures.distribution,
                                       packages: DocumentFixtures.packages, tool: DocumentFixtures.tool)

    @Test func topLevelFields() throws {
        let doc = try DocumentFixtures.json(bytes)
        #expect(doc["bomFormat"] as? String == "CycloneDX")
        #expect(doc["specVersion"] as? String == "1.5")
        #expect(doc["version"] as? Int == 1)
        let serial = try #require(doc["serialNumber"] as? String)
        #expect(serial.range(of: "^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
                              options: .regularExpression) != nil)
        // same digest -> same serial; different digest -> different serial
        let other = ImageSubject(repository: "x", digest: "sha256:" + String(repeating: "cd", count: 32),
                                 platform: nil, created: Date())
        let otherDoc = try DocumentFixtures.json(SBOMDocument.cycloneDX(other, distribution: nil, packages: [], tool: DocumentFixtures.tool))
        #expect(otherDoc["serialNumber"] as? String != serial)
    }

    @Test func metadata() throws {
        let doc = try DocumentFixtures.json(bytes)
        let meta = try #require(doc["metadata"] as? [String: Any])
        #expect(meta["timestamp"] as? String == "2023-11-14T22:13:20Z")
        let tools = try #require(meta["tools"] as? [String: Any])
        let toolComponents = try #require(tools["components"] as? [[String: Any]])
        #expect(toolComponents.count == 1)
        #expect(toolComponents[0]["type"] as? String == "application")
        #expect(toolComponents[0]["name"] as? String == "berth")
        #expect(toolComponents[0]["version"] as? String == "1.2.3")
        let image = try #require(meta["component"] as? [String: Any])
        #expect(image["type"] as? String == "container")
        #expect(image["name"] as? String == "registry.example.com/library/nginx")
        #expect(image["version"] as? String == DocumentFixtures.digest)
        #expect(image["purl"] as? String ==
            "pkg:oci/nginx@sha256%3A\(String(repeating: "ab", count: 32))?arch=amd64&repository_url=registry.example.com/library/nginx")
        #expect(image["bom-ref"] as? String == image["purl"] as? String)
    }

    @Test func components() throws {
        let doc = try DocumentFixtures.json(bytes)
        let comps = try #require(doc["components"] as? [[String: Any]])
        #expect(comps.count == 5)
        let os = comps[0]
        #expect(os["type"] as? String == "operating-system")
        #expect(os["name"] as? String == "debian")
        #expect(os["version"] as? String == "12")
        let libs = Array(comps.dropFirst())
        #expect(libs.allSatisfy { $0["type"] as? String == "library" })
        // sorted by purl
        let purls = libs.compactMap { $0["purl"] as? String }
        #expect(purls == purls.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        #expect(purls.first == "pkg:deb/debian/libc6@2.36-9?arch=amd64")
        // bom-refs unique across the whole BOM
        let meta = try #require(doc["metadata"] as? [String: Any])
        let imageRef = try #require((meta["component"] as? [String: Any])?["bom-ref"] as? String)
        let refs = comps.compactMap { $0["bom-ref"] as? String } + [imageRef]
        #expect(Set(refs).count == refs.count)
        #expect(refs.contains("pkg:npm/left-pad@1.3.0"))
        #expect(refs.contains("pkg:npm/left-pad@1.3.0-dup2"))
        // properties
        let openssl = try #require(libs.first { $0["name"] as? String == "openssl" })
        let props = try #require(openssl["properties"] as? [[String: String]])
        #expect(props.contains(["name": "berth:location", "value": "/var/lib/dpkg/status"]))
        #expect(props.contains(["name": "berth:source", "value": "openssl"]))
        #expect(props.contains(["name": "berth:source_version", "value": "3.0.11-1~deb12u2"]))
        let leftPad = try #require(libs.first { $0["name"] as? String == "left-pad" })
        let lpProps = try #require(leftPad["properties"] as? [[String: String]])
        #expect(!lpProps.contains { $0["name"] == "berth:source" })
        // dependency graph: image depends on everything
        let deps = try #require(doc["dependencies"] as? [[String: Any]])
        #expect(deps.count == 1)
        #expect(deps[0]["ref"] as? String == imageRef)
        #expect((deps[0]["dependsOn"] as? [String])?.count == 5)
    }

    @Test func determinism() {
        let again = SBOMDocument.cycloneDX(DocumentFixtures.subject, distribution: DocumentFixtures.distribution,
                                           packages: DocumentFixtures.packages.reversed(), tool: DocumentFixtures.tool)
        #expect(again == bytes)
        let hostile1 = SBOMDocument.cycloneDX(DocumentFixtures.hostileSubject, distribution: nil,
                                              packages: DocumentFixtures.hostilePackages, tool: DocumentFixtures.tool)
        let hostile2 = SBOMDocument.cycloneDX(DocumentFixtures.hostileSubject, distribution: nil,
                                              packages: DocumentFixtures.hostilePackages.reversed(), tool: DocumentFixtures.tool)
        #expect(hostile1 == hostile2)
    }

    @Test func zeroPackages() throws {
        let doc = try DocumentFixtures.json(SBOMDocument.cycloneDX(DocumentFixtures.subject, distribution: nil, packages: [], tool: DocumentFixtures.tool))
        #expect((doc["components"] as? [Any])?.isEmpty == true)
        #expect(doc["metadata"] is [String: Any])
    }

    @Test func hostileStrings() throws {
        let bytes = SBOMDocument.cycloneDX(DocumentFixtures.hostileSubject,
                                           distribution: Distribution(id: DocumentFixtures.hostile, versionID: DocumentFixtures.hostile, ecosystem: DocumentFixtures.hostile),
                                           packages: DocumentFixtures.hostilePackages, tool: (DocumentFixtures.hostile, DocumentFixtures.hostile))
        #expect(!bytes.contains { $0 < 0x20 && $0 != 0x0A })  // no raw control bytes
        let doc = try DocumentFixtures.json(bytes)
        let comps = try #require(doc["components"] as? [[String: Any]])
        #expect(comps.count == 7)
        #expect(comps.contains { $0["name"] as? String == DocumentFixtures.hostile })  // round-trips exactly
        let meta = try #require(doc["metadata"] as? [String: Any])
        #expect(meta["timestamp"] as? String == "1970-01-01T00:00:00Z")
        let refs = comps.compactMap { $0["bom-ref"] as? String }
        #expect(Set(refs).count == refs.count && refs.allSatisfy { !$0.isEmpty })
        for c in comps {
            if let purl = c["purl"] as? String {
                #expect(purl.hasPrefix("pkg:"))
                #expect(purl.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F })
            }
        }
    }

    @Test func truncation() throws {
        let many = (0..<10).map {
            DetectedPackage(ecosystem: "npm", name: "p\($0)", version: "1", source: nil, sourceVersion: nil,
                            location: "/", purl: "pkg:npm/p\($0)@1")
        }
        let doc = try DocumentFixtures.json(SBOMDocument.cycloneDX(DocumentFixtures.subject, distribution: nil, packages: many,
                                                           tool: DocumentFixtures.tool, limit: 3))
        #expect((doc["components"] as? [Any])?.count == 3)
        let props = try #require((doc["metadata"] as? [String: Any])?["properties"] as? [[String: String]])
        #expect(props.contains(["name": "berth:truncated", "value": "true"]))
        #expect(props.contains(["name": "berth:package_count", "value": "10"]))
        #expect(SBOMDocument.maxPackages == 100_000)
    }

    @Test func mediaTypes() {
        #expect(SBOMMediaType.cycloneDX == "application/vnd.cyclonedx+json")
        #expect(SBOMMediaType.spdx == "application/spdx+json")
    }

    @Test func uuidV5KnownAnswer() {
        // RFC 4122 errata / Python: uuid.uuid5(uuid.NAMESPACE_URL, "https://example.com")
        #expect(Support.uuidV5(name: "https://example.com") == "4fd35a71-71ef-5a55-a9d9-aa75c889a6d0")
        #expect(Support.sha1(Array("abc".utf8)).map { String(format: "%02x", $0) }.joined()
            == "a9993e364706816aba3e25717850c26c9cd0d89d")
    }
}
