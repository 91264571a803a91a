import Crypto
import Foundation
import NIOHTTP1
import OCI
import Testing

@Suite("Signatures: verified against the project's keys, enforced on pull")
struct SignatureTests {
    static let json = ("Content-Type", "application/json")
    static let admin = AuthTests.basic("admin")

    static func setPolicy(_ registry: TestRegistry, _ policy: [String: Any], project: String = "team") async throws {
        let response = try await registry.request(
            .PUT, "/api/v1/projects/\(project)/signing", headers: [admin, json], body: Content.json(policy))
        guard response.status == 200 else { throw TestFailure("signing policy answered \(response.status): \(response.text)") }
    }

    static func status(_ registry: TestRegistry, _ repository: String, _ digest: OCI.Digest) async throws -> (String, [[String: Any]]) {
        let response = try await registry.request(
            .GET, "/api/v1/signatures?repository=\(repository)&digest=\(digest)", headers: [AuthTests.basic("guest")])
        let body = try response.json()
        return (body["status"] as? String ?? "?", body["signatures"] as? [[String: Any]] ?? [])
    }

    static func pull(_ registry: TestRegistry, _ repository: String, _ reference: String) async throws -> TestResponse {
        try await registry.request(.GET, "/v2/\(repository)/manifests/\(reference)", headers: [admin, ("Accept", "*/*")])
    }

    @Test func cosignSignaturesAreVerifiedAndTheirPolicyEnforced() async throws {
        let (registry, _) = try await AuthTests.start()
        let app = "team/app"
        let ci = P256.Signing.PrivateKey()
        let stranger = P256.Signing.PrivateKey()
        let (signed, signedDigest) = try await registry.pushImage(app, tag: "signed", headers: [Self.admin])
        let (_, otherDigest) = try await registry.pushImage(app, tag: "other-digest", headers: [Self.admin])
        let (_, tamperedDigest) = try await registry.pushImage(app, tag: "tampered", headers: [Self.admin])
        let (_, strangerDigest) = try await registry.pushImage(app, tag: "stranger", headers: [Self.admin])
        let (_, unsignedDigest) = try await registry.pushImage(app, tag: "unsigned", headers: [Self.admin])

        // A key that does not parse is refused with its name; requiring trust without keys is too.
        for bad: [String: Any] in [["keys": [["name": "ci", "public_key": "not a key"]]], ["require_trusted": true]] {
            let response = try await registry.request(.PUT, "/api/v1/projects/team/signing", headers: [Self.admin, Self.json], body: Content.json(bad))
            #expect(response.status == 400, "\(response.text)")
        }
        #expect(try await registry.request(
            .PUT, "/api/v1/projects/team/signing", headers: [AuthTests.basic("maint"), Self.json], body: Content.json(["keys": []])).status == 403)
        try await Self.setPolicy(registry, ["keys": [["name": "ci", "public_key": ci.publicKey.pemRepresentation]]])
        #expect(try await Self.status(registry, app, signedDigest).0 == "unsigned")

        // The trusted one last: once it is announced, the others were seen (the outbox is consumed in order).
        try await TestSignatures.pushCosign(registry, app, subject: strangerDigest, key: stranger, headers: [Self.admin])
        try await TestSignatures.pushCosign(registry, app, subject: otherDigest, key: ci, naming: signedDigest, headers: [Self.admin])
        try await TestSignatures.pushCosign(registry, app, subject: tamperedDigest, key: ci, tamper: true, headers: [Self.admin])
        let signature = try await TestSignatures.pushCosign(registry, app, subject: signedDigest, key: ci, headers: [Self.admin])

        let (status, reports) = try await Self.status(registry, app, signedDigest)
        #expect(status == "trusted")
        #expect(reports.first?["trusted_by"] as? [String] == ["ci"])
        #expect(reports.first?["format"] as? String == "cosign")
        #expect(reports.first?["digest"] as? String == signature.description)
        for (digest, reason) in [(otherDigest, "signs \(signedDigest)"), (tamperedDigest, "no key"), (strangerDigest, "no key")] {
            let (status, reports) = try await Self.status(registry, app, digest)
            #expect(status == "untrusted")
            #expect((reports.first?["error"] as? String)?.contains(reason) == true, "\(reports)")
        }

        // The trusted signature was announced, the others not (the audit log shows the events webhooks get).
        var announced = ""
        for _ in 0..<100 {
            announced = try await registry.request(.GET, "/api/v1/audit?action=signature.trusted&limit=100", headers: [Self.admin]).text
            if announced.contains(signedDigest.description) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(announced.contains(signedDigest.description) && announced.contains("trusted by ci"), "\(announced.prefix(600))")
        #expect(!announced.contains(strangerDigest.description))

        // Enforced: for administrators too, by tag, by digest and on HEAD; signatures stay readable.
        try await Self.setPolicy(registry, ["keys": [["name": "ci", "public_key": ci.publicKey.pemRepresentation]], "require_trusted": true])
        #expect(try await Self.pull(registry, app, "signed").status == 200)
        #expect(try await Self.pull(registry, app, signedDigest.description).status == 200)
        for reference in ["unsigned", unsignedDigest.description, "other-digest", "tampered", "stranger"] {
            let refused = try await Self.pull(registry, app, reference)
            #expect(refused.status == 403 && refused.errorCodes == ["DENIED"] && refused.text.contains("signature policy"), "\(reference): \(refused.text)")
        }
        #expect(try await registry.request(.HEAD, "/v2/\(app)/manifests/unsigned", headers: [Self.admin]).status == 403)
        #expect(try await Self.pull(registry, app, "sha256-\(signedDigest.hex).sig").status == 200)
        #expect(try await Self.pull(registry, app, signature.description).status == 200)
        // An image does not escape the policy by naming a subject.
        let config = Content.json(["architecture": "amd64", "os": "linux"])
        let layer = Content.randomBytes(100)
        try await registry.pushBlob(app, config, headers: [Self.admin])
        try await registry.pushBlob(app, layer, headers: [Self.admin])
        let disguised = Content.imageManifest(
            config: config, layers: [layer], extra: ["subject": ["mediaType": MediaType.ociManifest, "digest": signedDigest.description, "size": signed.count]])
        try await registry.pushManifest(app, "disguised", disguised, headers: [Self.admin])
        #expect(try await Self.pull(registry, app, "disguised").status == 403)
        // Nor by a tag that looks like a signature's.
        try await registry.pushManifest(app, "sha256-\(String(repeating: "0", count: 64))", disguised, headers: [Self.admin])
        #expect(try await Self.pull(registry, app, "sha256-\(String(repeating: "0", count: 64))").status == 403)

        // A refusal is remembered, and forgotten when a signature arrives.
        #expect(try await Self.pull(registry, app, "unsigned").status == 403)
        try await TestSignatures.pushCosign(registry, app, subject: unsignedDigest, key: ci, headers: [Self.admin])
        #expect(try await Self.pull(registry, app, "unsigned").status == 200)
        // And a new key set is a new decision: without ci, nothing is trusted.
        try await Self.setPolicy(registry, [
            "keys": [["name": "other", "public_key": stranger.publicKey.pemRepresentation]], "require_trusted": true, "repositories": ["app"],
        ])
        #expect(try await Self.pull(registry, app, "signed").status == 403)
        #expect(try await Self.pull(registry, app, "stranger").status == 200)
        // Repositories the policy does not cover are not held to it.
        _ = try await registry.pushImage("team/elsewhere", tag: "x", headers: [Self.admin])
        #expect(try await Self.pull(registry, "team/elsewhere", "x").status == 200)

        // skopeo sees the refusal too.
        if isInstalled("skopeo") {
            let host = "127.0.0.1:\(registry.port)"
            let refused = try await runCommand([
                "skopeo", "--insecure-policy", "inspect", "--raw", "--tls-verify=false", "--creds", "admin:\(AuthTests.adminPassword)",
                "docker://\(host)/\(app):signed",
            ])
            #expect(refused.status != 0 && refused.output.contains("signature policy"), "\(refused.output)")
            let admitted = try await runCommand([
                "skopeo", "--insecure-policy", "inspect", "--raw", "--tls-verify=false", "--creds", "admin:\(AuthTests.adminPassword)",
                "docker://\(host)/\(app):stranger",
            ])
            #expect(admitted.status == 0, "\(admitted.output)")
        }

        try await registry.stop()
    }

    @Test func bundlesAndIndexesFollowTheIndexPolicy() async throws {
        let (registry, _) = try await AuthTests.start()
        let multi = "team/multi"
        let ci = P256.Signing.PrivateKey()
        func image() async throws -> [UInt8] { try await registry.pushImage(multi, tag: "child-\(UUID().uuidString.prefix(8))", headers: [Self.admin]).manifest }
        func index(_ children: [[UInt8]], tag: String) async throws -> [UInt8] {
            let bytes = Content.index(children.enumerated().map { ($1, $0 == 0 ? "linux/amd64" : "linux/arm64") })
            try await registry.pushManifest(multi, tag, bytes, type: MediaType.ociIndex, headers: [Self.admin])
            return bytes
        }
        let (a, b, c, d, e, f) = (try await image(), try await image(), try await image(), try await image(), try await image(), try await image())
        let signedIndex = try await index([a, b], tag: "signed-index")
        let eachSigned = try await index([c, d], tag: "each-signed")
        let partlySigned = try await index([e, f], tag: "partly-signed")
        let key = ["name": "ci", "public_key": ci.publicKey.pemRepresentation]
        try await Self.setPolicy(registry, ["keys": [key], "require_trusted": true])

        #expect(try await Self.pull(registry, multi, "signed-index").status == 403)
        #expect(try await Self.pull(registry, multi, Content.digest(a).description).status == 403)
        // A DSSE bundle over the index: the index and, through it, its children.
        try await TestSignatures.pushBundle(registry, multi, subject: signedIndex, key: ci, headers: [Self.admin])
        #expect(try await Self.status(registry, multi, Content.digest(signedIndex)).0 == "trusted")
        #expect(try await Self.pull(registry, multi, "signed-index").status == 200)
        #expect(try await Self.pull(registry, multi, Content.digest(a).description).status == 200)
        #expect(try await Self.pull(registry, multi, Content.digest(b).description).status == 200)

        // Children signed one by one (DSSE and a message signature): under "index", the index is not trusted; under "each", it is.
        try await TestSignatures.pushBundle(registry, multi, subject: c, key: ci, headers: [Self.admin])
        try await TestSignatures.pushBundle(registry, multi, subject: d, key: ci, messageSignature: true, headers: [Self.admin])
        try await TestSignatures.pushBundle(registry, multi, subject: e, key: ci, headers: [Self.admin])
        #expect(try await Self.status(registry, multi, Content.digest(d)).0 == "trusted")
        #expect(try await Self.pull(registry, multi, "each-signed").status == 403)
        try await Self.setPolicy(registry, ["keys": [key], "require_trusted": true, "index_policy": "each"])
        #expect(try await Self.pull(registry, multi, "each-signed").status == 200)
        #expect(try await Self.pull(registry, multi, Content.digest(c).description).status == 200)
        // An index with an unsigned child is not trusted, nor is that child.
        #expect(try await Self.pull(registry, multi, "partly-signed").status == 403)
        #expect(try await Self.pull(registry, multi, Content.digest(f).description).status == 403)
        #expect(try await Self.pull(registry, multi, Content.digest(e).description).status == 200)
        // A statement naming another digest is no signature of this one.
        try await TestSignatures.pushBundle(registry, multi, subject: f, key: ci, naming: Content.digest(e), headers: [Self.admin])
        let (status, reports) = try await Self.status(registry, multi, Content.digest(f))
        #expect(status == "untrusted" && (reports.first?["error"] as? String)?.contains("subject") == true, "\(reports)")
        _ = partlySigned
        _ = eachSigned
        try await registry.stop()
    }

    @Test func notationSignaturesChainToTrustedCertificates() async throws {
        let (registry, _) = try await AuthTests.start()
        let app = "team/notary"
        let authority = try TestSignatures.authority("Berth Test CA")
        let otherAuthority = try TestSignatures.authority("Someone Else's CA")
        let signer = P256.Signing.PrivateKey()
        let leaf = try TestSignatures.leaf("release signer", key: signer, issuedBy: authority)
        let expired = try TestSignatures.leaf("old signer", key: signer, issuedBy: authority, notAfter: Date() - 600)
        let foreign = try TestSignatures.leaf("foreign signer", key: signer, issuedBy: otherAuthority)
        var images: [String: [UInt8]] = [:]
        let serverOnly = try TestSignatures.leaf("web server", key: signer, issuedBy: authority, usage: .init([.serverAuth]))
        for name in ["good", "expired", "foreign", "other-digest", "cose", "server-only"] {
            images[name] = try await registry.pushImage(app, tag: name, headers: [Self.admin]).manifest
        }
        try await Self.setPolicy(registry, [
            "certificates": [["name": "release-ca", "certificate": try TestSignatures.pem(authority.certificate)]], "require_trusted": true,
        ])
        try await TestSignatures.pushNotation(registry, app, subject: images["good"]!, key: signer, chain: [leaf, authority.certificate], headers: [Self.admin])
        try await TestSignatures.pushNotation(registry, app, subject: images["expired"]!, key: signer, chain: [expired], headers: [Self.admin])
        try await TestSignatures.pushNotation(registry, app, subject: images["foreign"]!, key: signer, chain: [foreign], headers: [Self.admin])
        try await TestSignatures.pushNotation(
            registry, app, subject: images["other-digest"]!, key: signer, chain: [leaf], naming: Content.digest(images["good"]!), headers: [Self.admin])
        try await TestSignatures.pushNotation(
            registry, app, subject: images["cose"]!, key: signer, chain: [leaf], envelopeType: "application/cose", headers: [Self.admin])

        try await TestSignatures.pushNotation(registry, app, subject: images["server-only"]!, key: signer, chain: [serverOnly], headers: [Self.admin])

        let (status, reports) = try await Self.status(registry, app, Content.digest(images["good"]!))
        #expect(reports.first?["trusted_until"] is String, "a certificate's trust ends with it: \(reports)")
        #expect(status == "trusted", "\(reports)")
        #expect(reports.first?["trusted_by"] as? [String] == ["release-ca"])
        #expect(reports.first?["format"] as? String == "notation")
        #expect(try await Self.pull(registry, app, "good").status == 200)
        for (name, reason) in [("expired", "not trusted"), ("foreign", "not trusted"), ("other-digest", "signs"), ("cose", "COSE"), ("server-only", "code signing")] {
            let (status, reports) = try await Self.status(registry, app, Content.digest(images[name]!))
            #expect(status == "untrusted" && (reports.first?["error"] as? String)?.contains(reason) == true, "\(name): \(reports)")
            #expect(try await Self.pull(registry, app, name).status == 403, "\(name)")
        }
        try await registry.stop()
    }
}
