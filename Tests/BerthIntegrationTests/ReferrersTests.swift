import Foundation
import NIOHTTP1
import OCI
import Testing

@Suite("OCI 1.1 artifacts and the referrers API")
struct ReferrersTests {
    /// An artifact manifest with the empty config, pointing at `subject`.
    private func artifact(registry: TestRegistry, subject: [UInt8], type: String?, note: String) async throws -> [UInt8] {
        let empty = Array("{}".utf8)
        let payload = Array(note.utf8)
        try await registry.pushBlob("team/app", empty)
        try await registry.pushBlob("team/app", payload)
        var extra: [String: Any] = [
            "subject": Content.descriptor(MediaType.ociManifest, subject),
            "annotations": ["org.example.note": note],
        ]
        if let type { extra["artifactType"] = type }
        return Content.json([
            "schemaVersion": 2, "mediaType": MediaType.ociManifest,
            "config": Content.descriptor(type == nil ? "application/vnd.example.config+json" : MediaType.ociEmpty, empty),
            "layers": [Content.descriptor("application/vnd.example.payload", payload)],
        ].merging(extra) { $1 })
    }

    @Test func referrersAreListedAndFiltered() async throws {
        let registry = try await TestRegistry.start()
        let subject = Content.imageManifest(config: Content.json(["os": "linux"]), layers: [])
        let subjectDigest = Content.digest(subject)

        // Pushed before its subject exists: accepted, with OCI-Subject.
        let signature = try await artifact(registry: registry, subject: subject, type: "application/vnd.example.signature", note: "sig")
        let put = try await registry.request(
            .PUT, "/v2/team/app/manifests/\(Content.digest(signature))", headers: [("Content-Type", MediaType.ociManifest)], body: signature)
        #expect(put.status == 201)
        #expect(put.header("OCI-Subject") == subjectDigest.description)
        let sbom = try await artifact(registry: registry, subject: subject, type: nil, note: "sbom")
        try await registry.pushManifest("team/app", Content.digest(sbom).description, sbom)

        let all = try await registry.request(.GET, "/v2/team/app/referrers/\(subjectDigest)")
        #expect(all.status == 200)
        #expect(all.header("Content-Type") == MediaType.ociIndex)
        #expect(all.header("OCI-Filters-Applied") == nil)
        let index = try all.json()
        #expect(index["mediaType"] as? String == MediaType.ociIndex)
        #expect(index["schemaVersion"] as? Int == 2)
        let manifests = try #require(index["manifests"] as? [[String: Any]])
        #expect(manifests.count == 2)
        let types = Set(manifests.compactMap { $0["artifactType"] as? String })
        // Without artifactType, the config's media type stands in.
        #expect(types == ["application/vnd.example.signature", "application/vnd.example.config+json"])
        let signatureEntry = try #require(manifests.first { $0["digest"] as? String == Content.digest(signature).description })
        #expect(signatureEntry["size"] as? Int == signature.count)
        #expect(signatureEntry["mediaType"] as? String == MediaType.ociManifest)
        #expect((signatureEntry["annotations"] as? [String: String])?["org.example.note"] == "sig")

        let filtered = try await registry.request(.GET, "/v2/team/app/referrers/\(subjectDigest)?artifactType=application/vnd.example.signature")
        #expect(filtered.header("OCI-Filters-Applied") == "artifactType")
        #expect((try filtered.json()["manifests"] as? [[String: Any]])?.count == 1)

        let none = try await registry.request(.GET, "/v2/team/app/referrers/\(Content.digest([9]))")
        #expect(none.status == 200)
        #expect((try none.json()["manifests"] as? [Any])?.isEmpty == true)

        let bad = try await registry.request(.GET, "/v2/team/app/referrers/sha256:nope")
        #expect(bad.status == 400)
        #expect(bad.errorCodes == ["DIGEST_INVALID"])

        // Deleting a referrer removes it from the list.
        #expect(try await registry.request(.DELETE, "/v2/team/app/manifests/\(Content.digest(sbom))").status == 202)
        let after = try await registry.request(.GET, "/v2/team/app/referrers/\(subjectDigest)")
        #expect((try after.json()["manifests"] as? [Any])?.count == 1)
        try await registry.stop()
    }

    @Test func referrersArePaged() async throws {
        let registry = try await TestRegistry.start()
        let subject = Content.imageManifest(config: Content.json(["os": "linux"]), layers: [])
        var pushed: Set<String> = []
        for index in 0..<5 {
            let signature = try await artifact(registry: registry, subject: subject, type: "application/vnd.example.signature", note: "sig \(index)")
            pushed.insert(try await registry.pushManifest("team/app", Content.digest(signature).description, signature).description)
        }
        var seen: [String] = []
        var next: String? = "/v2/team/app/referrers/\(Content.digest(subject))?n=2"
        var pages = 0
        while let path = next, pages < 10 {
            let page = try await registry.request(.GET, path)
            #expect(page.status == 200)
            let manifests = try page.json()["manifests"] as? [[String: Any]] ?? []
            #expect(manifests.count <= 2)
            seen += manifests.compactMap { $0["digest"] as? String }
            next = page.header("Link").flatMap { $0.split(separator: ">").first.map { String($0.dropFirst()) } }
            pages += 1
        }
        #expect(pages == 3)
        #expect(seen.count == 5 && Set(seen) == pushed)
        try await registry.stop()
    }
}
