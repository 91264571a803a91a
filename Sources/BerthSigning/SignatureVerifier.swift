import BerthMetadata
import BerthStorage
import Foundation
import NIOCore
import OCI

/// Finds the signatures of an artifact in its repository (cosign's
/// `.sig` tag, and referrers that are sigstore bundles or Notation
/// signatures) and checks each against a policy's keys and certificates.
public struct SignatureVerifier: Sendable {
    let metadata: any MetadataStore
    let blobs: any BlobStore

    /// At most this many referrers are looked at per artifact, this many
    /// layers of cosign's signature manifest, and a signature's payload may
    /// be at most this large: what one pull may cost is bounded.
    static let maxReferrers = 50
    static let maxCosignLayers = 16
    static let maxPayload: Int64 = 1 << 20

    public init(metadata: any MetadataStore, blobs: any BlobStore) {
        self.metadata = metadata
        self.blobs = blobs
    }

    /// Every signature of `subject` (its digest and bytes) in `repository`, checked.
    public func verdict(of subject: Digest, bytes: Data, in repository: RepositoryName, anchors: TrustAnchors) async throws -> SignatureVerdict {
        var reports: [SignatureReport] = []
        if let stored = try await metadata.manifest(repository, .tag(try Tag(parsing: CosignSignature.tag(for: subject)))),
           let manifest = try? Manifest(parsing: [UInt8](stored.content), contentType: stored.mediaType)
        {
            for layer in manifest.layers.filter({ $0.mediaType == CosignSignature.payloadType }).prefix(Self.maxCosignLayers) {
                let outcome: Result<Trust, SignatureProblem>
                if let payload = try await payload(layer) {
                    outcome = await CosignSignature.check(layer, payload: payload, subject: subject, anchors: anchors)
                } else {
                    outcome = .failure(.init("the payload blob \(layer.digest) is missing or larger than 1 MiB"))
                }
                reports.append(SignatureReport("cosign", stored.digest, outcome))
            }
        }
        let referrers = try await metadata.referrers(repository, subject: subject, artifactType: nil, after: nil, limit: Self.maxReferrers)
        for referrer in referrers {
            let format: String
            if SigstoreBundle.artifactTypes.contains(referrer.artifactType ?? "") {
                format = "cosign"
            } else if referrer.artifactType == NotationSignature.artifactType {
                format = "notation"
            } else {
                continue
            }
            reports.append(SignatureReport(format, referrer.digest, await check(referrer, format: format, subject: subject, bytes: bytes, in: repository, anchors: anchors)))
        }
        return SignatureVerdict(reports)
    }

    private func check(
        _ referrer: Descriptor, format: String, subject: Digest, bytes: Data, in repository: RepositoryName, anchors: TrustAnchors
    ) async -> Result<Trust, SignatureProblem> {
        do {
            guard let stored = try await metadata.manifest(repository, .digest(referrer.digest)),
                  let manifest = try? Manifest(parsing: [UInt8](stored.content), contentType: stored.mediaType),
                  let layer = manifest.layers.first
            else { return .failure(.init("the signature manifest has no layer")) }
            guard let envelope = try await payload(layer) else {
                return .failure(.init("the signature blob \(layer.digest) is missing or larger than 1 MiB"))
            }
            return format == "notation"
                ? await NotationSignature.check(envelope: envelope, mediaType: layer.mediaType, subject: subject, anchors: anchors)
                : await SigstoreBundle.check(bundle: envelope, subject: subject, subjectBytes: bytes, anchors: anchors)
        } catch {
            return .failure(.init("the signature could not be read: \(error)"))
        }
    }

    /// A small blob's bytes; nil when absent or too large to be a signature.
    private func payload(_ layer: Descriptor) async throws -> [UInt8]? {
        guard layer.size <= Self.maxPayload, let chunks = try await blobs.read(layer.digest, range: nil), chunks.count <= Self.maxPayload
        else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(chunks.count))
        for try await chunk in chunks { bytes += chunk.readableBytesView }
        return bytes
    }
}
