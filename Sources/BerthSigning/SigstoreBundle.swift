import Crypto
import Foundation
import OCI
import SwiftASN1
import X509

/// cosign's OCI 1.1 form: a referrer of the subject whose layer is a
/// sigstore bundle, holding either a DSSE envelope (an in-toto statement
/// whose subject names the artifact's digest, signed over DSSE's
/// pre-authentication encoding) or a message signature (over the
/// artifact's manifest bytes, with their digest). The verification
/// material is a certificate (and chain) or a key the policy holds.
enum SigstoreBundle {
    static let artifactTypes: Set<String> = [
        "application/vnd.dev.sigstore.bundle.v0.3+json",
        "application/vnd.dev.sigstore.bundle+json;version=0.3",
        "application/vnd.dev.sigstore.bundle+json;version=0.2",
        "application/vnd.dev.sigstore.bundle+json;version=0.1",
    ]

    private struct Document: Decodable {
        struct Material: Decodable {
            struct RawCertificate: Decodable { let rawBytes: String }
            struct Chain: Decodable { let certificates: [RawCertificate] }
            let certificate: RawCertificate?
            let x509CertificateChain: Chain?
        }
        struct Envelope: Decodable {
            struct Signature: Decodable { let sig: String }
            let payload: String
            let payloadType: String
            let signatures: [Signature]
        }
        struct MessageSignature: Decodable {
            struct MessageDigest: Decodable { let algorithm: String; let digest: String }
            let messageDigest: MessageDigest?
            let signature: String
        }
        let verificationMaterial: Material?
        let dsseEnvelope: Envelope?
        let messageSignature: MessageSignature?
    }

    private struct Statement: Decodable {
        struct Subject: Decodable { let digest: [String: String] }
        let subject: [Subject]
    }

    static func check(bundle: [UInt8], subject: OCI.Digest, subjectBytes: Data, anchors: TrustAnchors) async -> Result<Trust, SignatureProblem> {
        guard let document = try? JSONDecoder().decode(Document.self, from: Data(bundle)) else {
            return .failure(.init("the layer is not a sigstore bundle"))
        }
        // An envelope may hold several signatures: any one may be the trusted one.
        let signatures: [[UInt8]], message: [UInt8]
        if let envelope = document.dsseEnvelope {
            let sigs = envelope.signatures.prefix(8).compactMap { Data(base64Encoded: $0.sig).map { [UInt8]($0) } }
            guard let payload = Data(base64Encoded: envelope.payload), !sigs.isEmpty
            else { return .failure(.init("the DSSE envelope has no payload or signature")) }
            guard let statement = try? JSONDecoder().decode(Statement.self, from: payload) else {
                return .failure(.init("the DSSE payload is not an in-toto statement"))
            }
            let named = statement.subject.compactMap { $0.digest[subject.algorithm.rawValue] }
            guard named.contains(subject.hex) else { return .failure(.init("the statement's subject is not \(subject)")) }
            (signatures, message) = (sigs, preAuthenticationEncoding(type: envelope.payloadType, payload: [UInt8](payload)))
        } else if let messageSignature = document.messageSignature, let sig = Data(base64Encoded: messageSignature.signature) {
            if let digest = messageSignature.messageDigest {
                let expected = Data(SHA256.hash(data: subjectBytes)).base64EncodedString()
                guard digest.algorithm == "SHA2_256", digest.digest == expected else {
                    return .failure(.init("the message signature is over another digest"))
                }
            }
            (signatures, message) = ([[UInt8](sig)], [UInt8](subjectBytes))
        } else {
            return .failure(.init("the bundle holds neither a DSSE envelope nor a message signature"))
        }
        let material = document.verificationMaterial
        if let raw = material?.certificate?.rawBytes ?? material?.x509CertificateChain?.certificates.first?.rawBytes {
            guard let der = Data(base64Encoded: raw), let leaf = try? Certificate(derEncoded: [UInt8](der)) else {
                return .failure(.init("the bundle's certificate does not parse"))
            }
            let intermediates = (material?.x509CertificateChain?.certificates.dropFirst() ?? []).compactMap {
                Data(base64Encoded: $0.rawBytes).flatMap { try? Certificate(derEncoded: [UInt8]($0)) }
            }
            var outcome: Result<Trust, SignatureProblem> = .failure(.init("the signature does not verify with its certificate's key"))
            for signature in signatures {
                outcome = await SignatureCheck.verified(signature, over: message, byCertificate: leaf, intermediates: intermediates, anchors)
                if case .success = outcome { break }
            }
            return outcome
        }
        let names = signatures.flatMap { SignatureCheck.trustingKeys($0, over: message, anchors).names }
        return .success(Trust(names: Array(Set(names)).sorted(), until: nil))
    }

    /// DSSE v1: `DSSEv1 <len(type)> <type> <len(body)> <body>`.
    static func preAuthenticationEncoding(type: String, payload: [UInt8]) -> [UInt8] {
        Array("DSSEv1 \(type.utf8.count) \(type) \(payload.count) ".utf8) + payload
    }
}
