import Foundation
import OCI
import SwiftASN1
import X509

/// cosign's tag scheme: the signatures of `sha256:<hex>` are the layers of
/// the manifest tagged `sha256-<hex>.sig`, each a simple-signing payload
/// (JSON naming the signed digest) with its signature in an annotation,
/// and, when signed with a certificate, the certificate and its chain.
enum CosignSignature {
    static let payloadType = "application/vnd.dev.cosign.simplesigning.v1+json"
    static let signatureAnnotation = "dev.cosignproject.cosign/signature"
    static let certificateAnnotation = "dev.sigstore.cosign/certificate"
    static let chainAnnotation = "dev.sigstore.cosign/chain"

    /// The tag cosign keeps the signatures of `subject` under.
    static func tag(for subject: Digest) -> String { "\(subject.algorithm.rawValue)-\(subject.hex).sig" }

    /// Checks one layer of a signature manifest; `payload` is the layer's blob.
    static func check(_ layer: Descriptor, payload: [UInt8], subject: Digest, anchors: TrustAnchors) async -> Result<Trust, SignatureProblem> {
        guard let encoded = layer.annotations?[signatureAnnotation], let signature = Data(base64Encoded: encoded) else {
            return .failure(.init("the layer has no \(signatureAnnotation) annotation"))
        }
        struct Payload: Decodable {
            struct Critical: Decodable {
                struct Image: Decodable {
                    let digest: String
                    enum CodingKeys: String, CodingKey { case digest = "docker-manifest-digest" }
                }
                let image: Image
            }
            let critical: Critical
        }
        guard let named = try? JSONDecoder().decode(Payload.self, from: Data(payload)).critical.image.digest else {
            return .failure(.init("the payload is not a simple-signing document"))
        }
        guard named == subject.description else { return .failure(.init("the payload signs \(named.prefix(80)), not \(subject)")) }
        if let pem = layer.annotations?[certificateAnnotation] {
            guard let leaf = try? Certificate(pemEncoded: pem) else { return .failure(.init("the signing certificate does not parse")) }
            let chain = (try? PEMDocument.parseMultiple(pemString: layer.annotations?[chainAnnotation] ?? ""))?
                .compactMap { try? Certificate(derEncoded: $0.derBytes) } ?? []
            return await SignatureCheck.verified([UInt8](signature), over: payload, byCertificate: leaf, intermediates: chain, anchors)
        }
        return .success(SignatureCheck.trustingKeys([UInt8](signature), over: payload, anchors))
    }
}
