import Crypto
import Foundation
import SwiftASN1
import X509
import _CryptoExtras

/// Whether a signature over a message verifies with a public key, in the
/// encodings the signature formats use: cosign signs with the key's own
/// algorithm (ECDSA as DER, SHA-256 for P-256, RSA PKCS#1 v1.5 or PSS
/// with SHA-256, Ed25519), JWS names its algorithm (`ES256` as raw r‖s,
/// `PS256`, `RS256`, `EdDSA`, …).
enum SignatureCheck {
    static func verifies(_ signature: [UInt8], over message: [UInt8], with key: Certificate.PublicKey, jws algorithm: String? = nil) -> Bool {
        if let key = P256.Signing.PublicKey(key) {
            guard algorithm == nil || algorithm == "ES256",
                  let signature = algorithm == nil
                    ? try? P256.Signing.ECDSASignature(derRepresentation: signature)
                    : try? P256.Signing.ECDSASignature(rawRepresentation: signature)
            else { return false }
            return key.isValidSignature(signature, for: message)
        }
        if let key = P384.Signing.PublicKey(key) {
            guard algorithm == nil || algorithm == "ES384",
                  let signature = algorithm == nil
                    ? try? P384.Signing.ECDSASignature(derRepresentation: signature)
                    : try? P384.Signing.ECDSASignature(rawRepresentation: signature)
            else { return false }
            return key.isValidSignature(signature, for: message)
        }
        if let key = P521.Signing.PublicKey(key) {
            guard algorithm == nil || algorithm == "ES512",
                  let signature = algorithm == nil
                    ? try? P521.Signing.ECDSASignature(derRepresentation: signature)
                    : try? P521.Signing.ECDSASignature(rawRepresentation: signature)
            else { return false }
            return key.isValidSignature(signature, for: message)
        }
        if let key = Curve25519.Signing.PublicKey(key) {
            guard algorithm == nil || algorithm == "EdDSA" else { return false }
            return key.isValidSignature(signature, for: message)
        }
        if let key = _RSA.Signing.PublicKey(key) {
            let signature = _RSA.Signing.RSASignature(rawRepresentation: signature)
            switch algorithm {
            case nil:
                let digest = SHA256.hash(data: message)
                return key.isValidSignature(signature, for: digest, padding: .insecurePKCS1v1_5)
                    || key.isValidSignature(signature, for: digest, padding: .PSS)
            case "RS256": return key.isValidSignature(signature, for: SHA256.hash(data: message), padding: .insecurePKCS1v1_5)
            case "RS384": return key.isValidSignature(signature, for: SHA384.hash(data: message), padding: .insecurePKCS1v1_5)
            case "RS512": return key.isValidSignature(signature, for: SHA512.hash(data: message), padding: .insecurePKCS1v1_5)
            case "PS256": return key.isValidSignature(signature, for: SHA256.hash(data: message), padding: .PSS)
            case "PS384": return key.isValidSignature(signature, for: SHA384.hash(data: message), padding: .PSS)
            case "PS512": return key.isValidSignature(signature, for: SHA512.hash(data: message), padding: .PSS)
            default: return false
            }
        }
        return false
    }

    /// The names of the policy's keys that verify the signature.
    static func trustingKeys(_ signature: [UInt8], over message: [UInt8], _ anchors: TrustAnchors) -> Trust {
        Trust(names: anchors.keys.filter { verifies(signature, over: message, with: $0.key) }.map(\.name), until: nil)
    }

    /// Trusted through a certificate: its chain ends at the policy's
    /// certificates, and its key verifies the signature.
    static func verified(
        _ signature: [UInt8], over message: [UInt8], byCertificate leaf: Certificate, intermediates: [Certificate], _ anchors: TrustAnchors,
        jws algorithm: String? = nil
    ) async -> Result<Trust, SignatureProblem> {
        guard verifies(signature, over: message, with: leaf.publicKey, jws: algorithm) else {
            return .failure(.init("the signature does not verify with its certificate's key"))
        }
        return await chain(leaf, intermediates: intermediates, anchors)
    }

    /// Validates `leaf` (with `intermediates`) up to one of the policy's
    /// certificates, now: the names of the certificates it ends at (until
    /// the first of the chain expires), or why not. The leaf must be meant
    /// for signatures: key usage `digitalSignature`, and `codeSigning` among
    /// its extended key usages when it lists any (as Notation requires).
    static func chain(_ leaf: Certificate, intermediates: [Certificate], _ anchors: TrustAnchors) async -> Result<Trust, SignatureProblem> {
        guard !anchors.certificates.isEmpty else { return .failure(.init("the policy trusts no certificates")) }
        if let usage = try? leaf.extensions.keyUsage, !usage.digitalSignature {
            return .failure(.init("certificate \(leaf.subject) is not for digital signatures (its key usage)"))
        }
        if let extended = try? leaf.extensions.extendedKeyUsage, !extended.contains(.codeSigning) {
            return .failure(.init("certificate \(leaf.subject) is not for code signing (its extended key usage)"))
        }
        var verifier = Verifier(rootCertificates: CertificateStore(anchors.certificates.map(\.certificate))) {
            RFC5280Policy()
        }
        switch await verifier.validate(leaf: leaf, intermediates: CertificateStore(intermediates)) {
        case .validCertificate(let chain):
            let names = anchors.certificates.filter { anchor in chain.contains(anchor.certificate) }.map(\.name)
            return .success(Trust(names: names, until: chain.map(\.notValidAfter).min()))
        case .couldNotValidate(let failures):
            let reason = failures.first.map { "\($0.policyFailureReason)" } ?? "no chain to a trusted certificate"
            return .failure(.init("certificate \(leaf.subject) is not trusted: \(reason)"))
        }
    }
}

/// Who vouches for a signature that verified: the policy's keys or
/// certificates by name, and until when (a certificate's expiry; nil for keys).
struct Trust: Sendable {
    let names: [String]
    let until: Date?
}

/// Why a signature is not trusted, in words for the API and the pull's refusal.
struct SignatureProblem: Error, Sendable {
    let message: String
    init(_ message: String) { self.message = message }
}

extension Data {
    /// Base64url without padding, as JWS writes it.
    init?(base64URL text: String) {
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        standard += String(repeating: "=", count: (4 - standard.count % 4) % 4)
        self.init(base64Encoded: standard)
    }
}
