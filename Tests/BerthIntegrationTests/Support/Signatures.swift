import Crypto
import Foundation
import OCI
import SwiftASN1
import X509

/// Signatures made the way cosign and notation make them, with keys and
/// certificates made here (swift-crypto, swift-certificates): no signing
/// tool runs offline here, so the tests write the same documents.
enum TestSignatures {
    static let emptyConfig = Array("{}".utf8)

    /// cosign's tag scheme: a simple-signing payload naming `signed`
    /// (the subject by default), signed by `key`, pushed as the layer of
    /// the manifest tagged `sha256-<hex>.sig`. `tamper` changes the
    /// payload after signing.
    @discardableResult
    static func pushCosign(
        _ registry: some RegistryClient, _ repository: String, subject: OCI.Digest, key: P256.Signing.PrivateKey, naming signed: OCI.Digest? = nil,
        tamper: Bool = false, headers: [(String, String)]
    ) async throws -> OCI.Digest {
        let payload = Content.json([
            "critical": [
                "identity": ["docker-reference": "127.0.0.1/\(repository)"],
                "image": ["docker-manifest-digest": (signed ?? subject).description],
                "type": "cosign container image signature",
            ],
            "optional": NSNull(),
        ])
        let signature = try key.signature(for: payload).derRepresentation.base64EncodedString()
        let pushed = tamper ? payload + Array(" ".utf8) : payload
        try await registry.pushBlob(repository, pushed, headers: headers)
        try await registry.pushBlob(repository, emptyConfig, headers: headers)
        var layer = Content.descriptor("application/vnd.dev.cosign.simplesigning.v1+json", pushed)
        layer["annotations"] = ["dev.cosignproject.cosign/signature": signature]
        let manifest = Content.json([
            "schemaVersion": 2, "mediaType": MediaType.ociManifest,
            "config": Content.descriptor("application/vnd.oci.image.config.v1+json", emptyConfig), "layers": [layer],
        ])
        return try await registry.pushManifest(repository, "sha256-\(subject.hex).sig", manifest, headers: headers)
    }

    /// cosign's OCI 1.1 form: a sigstore bundle with a DSSE envelope over
    /// an in-toto statement naming `named` (the subject by default), or
    /// with a message signature over the subject's manifest bytes.
    @discardableResult
    static func pushBundle(
        _ registry: some RegistryClient, _ repository: String, subject: [UInt8], key: P256.Signing.PrivateKey, naming named: OCI.Digest? = nil,
        messageSignature: Bool = false, headers: [(String, String)]
    ) async throws -> OCI.Digest {
        let digest = Content.digest(subject)
        var bundle: [String: Any] = [
            "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
            "verificationMaterial": ["publicKey": ["hint": "ci"]],
        ]
        if messageSignature {
            bundle["messageSignature"] = [
                "messageDigest": ["algorithm": "SHA2_256", "digest": Data(SHA256.hash(data: subject)).base64EncodedString()],
                "signature": try key.signature(for: subject).derRepresentation.base64EncodedString(),
            ]
        } else {
            let statement = Content.json([
                "_type": "https://in-toto.io/Statement/v1",
                "subject": [["name": "127.0.0.1/\(repository)", "digest": ["sha256": (named ?? digest).hex]]],
                "predicateType": "https://sigstore.dev/cosign/sign/v1", "predicate": [:] as [String: Any],
            ])
            let type = "application/vnd.in-toto+json"
            let pae = Array("DSSEv1 \(type.utf8.count) \(type) \(statement.count) ".utf8) + statement
            bundle["dsseEnvelope"] = [
                "payload": Data(statement).base64EncodedString(), "payloadType": type,
                "signatures": [["sig": try key.signature(for: pae).derRepresentation.base64EncodedString(), "keyid": ""]],
            ]
        }
        return try await pushReferrer(
            registry, repository, subject: subject, artifactType: "application/vnd.dev.sigstore.bundle.v0.3+json",
            layerType: "application/vnd.dev.sigstore.bundle.v0.3+json", layer: Content.json(bundle), headers: headers)
    }

    /// Notation's JWS envelope, signed ES256 by `key` whose certificate
    /// chain is `chain` (leaf first).
    @discardableResult
    static func pushNotation(
        _ registry: some RegistryClient, _ repository: String, subject: [UInt8], key: P256.Signing.PrivateKey, chain: [Certificate],
        naming named: OCI.Digest? = nil, envelopeType: String = "application/jose+json", headers: [(String, String)]
    ) async throws -> OCI.Digest {
        let target: [String: Any] = ["mediaType": MediaType.ociManifest, "digest": (named ?? Content.digest(subject)).description, "size": subject.count]
        let protected = base64URL(Content.json([
            "alg": "ES256", "crit": ["io.cncf.notary.signingScheme"], "cty": "application/vnd.cncf.notary.payload.v1+json",
            "io.cncf.notary.signingScheme": "notary.x509", "io.cncf.notary.signingTime": ISO8601DateFormatter().string(from: Date()),
        ]))
        let payload = base64URL(Content.json(["targetArtifact": target]))
        let signature = try key.signature(for: Array((protected + "." + payload).utf8)).rawRepresentation
        let envelope = Content.json([
            "payload": payload, "protected": protected, "signature": base64URL([UInt8](signature)),
            "header": ["x5c": try chain.map { Data(try der($0)).base64EncodedString() }, "io.cncf.notary.signingAgent": "berth-tests"],
        ])
        return try await pushReferrer(
            registry, repository, subject: subject, artifactType: "application/vnd.cncf.notary.signature", layerType: envelopeType,
            layer: envelope, headers: headers)
    }

    static func pushReferrer(
        _ registry: some RegistryClient, _ repository: String, subject: [UInt8], artifactType: String, layerType: String, layer: [UInt8],
        headers: [(String, String)]
    ) async throws -> OCI.Digest {
        try await registry.pushBlob(repository, layer, headers: headers)
        try await registry.pushBlob(repository, emptyConfig, headers: headers)
        let manifest = Content.json([
            "schemaVersion": 2, "mediaType": MediaType.ociManifest, "artifactType": artifactType,
            "config": Content.descriptor("application/vnd.oci.empty.v1+json", emptyConfig),
            "layers": [Content.descriptor(layerType, layer)],
            "subject": Content.descriptor(MediaType.ociManifest, subject),
        ])
        let digest = Content.digest(manifest)
        return try await registry.pushManifest(repository, digest.description, manifest, headers: headers)
    }

    // MARK: Certificates

    /// A CA certificate and its key.
    static func authority(_ name: String) throws -> (certificate: Certificate, key: P256.Signing.PrivateKey) {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName { CommonName(name) }
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey), notValidBefore: Date() - 3600,
            notValidAfter: Date() + 86_400, issuer: subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                KeyUsage(keyCertSign: true)
            },
            issuerPrivateKey: .init(key))
        return (certificate, key)
    }

    /// A signing certificate for `key`, issued by `authority`, valid until `notAfter`.
    static func leaf(
        _ name: String, key: P256.Signing.PrivateKey, issuedBy authority: (certificate: Certificate, key: P256.Signing.PrivateKey),
        notAfter: Date = Date() + 86_400, usage: ExtendedKeyUsage? = nil
    ) throws -> Certificate {
        try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey), notValidBefore: min(Date() - 3600, notAfter - 3600),
            notValidAfter: notAfter, issuer: authority.certificate.subject, subject: try DistinguishedName { CommonName(name) },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                KeyUsage(digitalSignature: true)
                if let usage { usage }
            },
            issuerPrivateKey: .init(authority.key))
    }

    static func pem(_ certificate: Certificate) throws -> String { try certificate.serializeAsPEM().pemString }

    static func der(_ certificate: Certificate) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return serializer.serializedBytes
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
