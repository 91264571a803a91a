import BerthMetadata
import BerthSBOM
import Foundation
import NIOCore
import OCI

/// An image's SBOMs, stored as OCI 1.1 referrers of it (an artifact
/// manifest whose `subject` is the image, its one layer the document), so
/// `oras discover` and the referrers API list them. Written by the
/// registry itself, past the push policies: a pull-through cache project,
/// which refuses pushes, gets its SBOMs too. The documents depend only on
/// the image and its packages, so a rescan that finds the same packages
/// stores nothing new.
struct SBOMReferrers: Sendable {
    /// Writes blobs without push policies.
    let writer: UploadService
    let metadata: any MetadataStore

    static let tool = (name: "berth", version: "1")

    /// Stores the CycloneDX and SPDX documents of `image`; their manifests' digests.
    func store(
        for image: Manifest, in repository: RepositoryName, platform: String?, created: Date, distribution: Distribution?,
        packages: [DetectedPackage]
    ) async throws -> (cycloneDX: Digest, spdx: Digest) {
        let subject = ImageSubject(repository: repository.value, digest: image.digest.description, platform: platform, created: created)
        // The documents sort the packages themselves: equal inputs give equal bytes.
        let cycloneDX = try await store(
            SBOMDocument.cycloneDX(subject, distribution: distribution, packages: packages, tool: Self.tool), SBOMMediaType.cycloneDX, image,
            repository)
        let spdx = try await store(
            SBOMDocument.spdx(subject, distribution: distribution, packages: packages, tool: Self.tool), SBOMMediaType.spdx, image, repository)
        return (cycloneDX, spdx)
    }

    private func store(_ document: [UInt8], _ type: String, _ image: Manifest, _ repository: RepositoryName) async throws -> Digest {
        let empty = Array("{}".utf8)
        for blob in [empty, document] { try await upload(blob, to: repository) }
        let manifest = try Manifest(parsing: Self.manifest(document, type: type, subject: image.descriptor, empty: empty), contentType: MediaType.ociManifest)
        if try await metadata.manifest(repository, .digest(manifest.digest)) == nil {
            // Derived data, not a push: no event (webhooks and audit see the scan, not its documents).
            try await metadata.cacheManifest(repository, manifest, tag: nil) { _, _ in [] }
        }
        return manifest.digest
    }

    private func upload(_ bytes: [UInt8], to repository: RepositoryName) async throws {
        let digest = DigestHasher.digest(of: bytes, algorithm: .sha256)
        if try await metadata.linkedBlobSize(repository, digest) != nil { return }
        let body = AsyncStream<ByteBuffer> { continuation in
            continuation.yield(ByteBuffer(bytes: bytes))
            continuation.finish()
        }
        _ = try await writer.uploadMonolithic(repository, digest: digest, length: Int64(bytes.count), body: body)
    }

    static func manifest(_ document: [UInt8], type: String, subject: Descriptor, empty: [UInt8]) -> [UInt8] {
        func descriptor(_ mediaType: String, _ bytes: [UInt8]) -> [String: Any] {
            ["mediaType": mediaType, "digest": DigestHasher.digest(of: bytes, algorithm: .sha256).description, "size": bytes.count]
        }
        let object: [String: Any] = [
            "schemaVersion": 2, "mediaType": MediaType.ociManifest, "artifactType": type,
            "config": descriptor(MediaType.ociEmpty, empty),
            "layers": [descriptor(type, document)],
            "subject": ["mediaType": subject.mediaType, "digest": subject.digest.description, "size": subject.size],
            "annotations": ["dev.berth.sbom": "generated"],
        ]
        return Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data())
    }
}
