import Foundation
import OCI
import SwiftASN1
import X509

/// Notation's signatures: a referrer of artifact type
/// `application/vnd.cncf.notary.signature` whose layer is a JWS envelope
/// (JSON serialization): the payload names the target artifact's
/// descriptor, the protected header the algorithm and signing scheme, and
/// `x5c` the signer's certificate chain, which must end at a certificate
/// of the policy and be valid now. COSE envelopes are reported as unsupported.
enum NotationSignature {
    static let artifactType = "application/vnd.cncf.notary.signature"
    static let jwsType = "application/jose+json"
    static let coseType = "application/cose"

    private struct Envelope: Decodable {
        struct Header: Decodable { let x5c: [String]? }
        let payload: String
        let protected: String
        let header: Header?
        let signature: String
    }

    private struct ProtectedHeader: Decodable {
        let alg: String
        let crit: [String]?
        let signingScheme: String?
        let expiry: String?
        enum CodingKeys: String, CodingKey {
            case alg, crit, signingScheme = "io.cncf.notary.signingScheme", expiry = "io.cncf.notary.expiry"
        }
    }

    private struct Payload: Decodable {
        let targetArtifact: Descriptor
    }

    static func check(envelope bytes: [UInt8], mediaType: String, subject: Digest, anchors: TrustAnchors) async -> Result<Trust, SignatureProblem> {
        guard mediaType == jwsType else {
            return .failure(.init(mediaType == coseType ? "COSE envelopes are not supported (JWS is)" : "unknown envelope type \(mediaType.prefix(80))"))
        }
        guard let envelope = try? JSONDecoder().decode(Envelope.self, from: Data(bytes)),
              let headerBytes = Data(base64URL: envelope.protected), let payloadBytes = Data(base64URL: envelope.payload),
              let signature = Data(base64URL: envelope.signature)
        else { return .failure(.init("the layer is not a JWS envelope")) }
        guard let header = try? JSONDecoder().decode(ProtectedHeader.self, from: headerBytes) else {
            return .failure(.init("the protected header does not parse"))
        }
        let understood: Set<String> = ["io.cncf.notary.signingScheme", "io.cncf.notary.expiry", "io.cncf.notary.authenticSigningTime"]
        if let unknown = header.crit?.first(where: { !understood.contains($0) }) {
            return .failure(.init("the protected header marks \(unknown.prefix(80)) critical, which this registry does not understand"))
        }
        guard header.signingScheme == "notary.x509" else {
            return .failure(.init("signing scheme \(header.signingScheme ?? "none") is not supported (notary.x509 is)"))
        }
        var expires: Date?
        if let expiry = header.expiry {
            guard let date = Self.time(expiry) else { return .failure(.init("the expiry \(expiry.prefix(40)) is not an RFC 3339 time")) }
            guard date > Date() else { return .failure(.init("the signature expired at \(expiry)")) }
            expires = date
        }
        guard let target = try? JSONDecoder().decode(Payload.self, from: payloadBytes).targetArtifact else {
            return .failure(.init("the payload names no target artifact"))
        }
        guard target.digest == subject else { return .failure(.init("the payload signs \(target.digest), not \(subject)")) }
        let chain = (envelope.header?.x5c ?? []).compactMap { Data(base64Encoded: $0).flatMap { try? Certificate(derEncoded: [UInt8]($0)) } }
        guard let leaf = chain.first, chain.count == envelope.header?.x5c?.count else {
            return .failure(.init("the envelope's x5c certificate chain is missing or does not parse"))
        }
        // JWS signs the two encoded parts as they are written.
        let signingInput = Array((envelope.protected + "." + envelope.payload).utf8)
        let outcome = await SignatureCheck.verified(
            [UInt8](signature), over: signingInput, byCertificate: leaf, intermediates: Array(chain.dropFirst()), anchors, jws: header.alg)
        return outcome.map { trust in Trust(names: trust.names, until: [trust.until, expires].compactMap { $0 }.min()) }
    }

    /// RFC 3339, with or without fractional seconds.
    static func time(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return plain.date(from: text) ?? fractional.date(from: text)
    }
}
