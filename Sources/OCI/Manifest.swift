import Foundation

/// A manifest the registry accepted: its bytes, identity and the facts the
/// registry indexes (references, subject, artifact type). Parsing is strict:
/// anything that would leave a dangling or ambiguous reference is refused.
public struct Manifest: Sendable {
    public enum Kind: Sendable { case image, index }

    /// The largest manifest accepted, as Distribution does.
    public static let maxSize = 4 * 1024 * 1024

    public let kind: Kind
    public let mediaType: String
    public let digest: Digest
    public let bytes: [UInt8]
    public let config: Descriptor?
    public let layers: [Descriptor]
    /// Child manifests of an index.
    public let manifests: [Descriptor]
    public let subject: Descriptor?
    /// What the referrers API reports: `artifactType`, else the config's media type.
    public let artifactType: String?
    public let annotations: [String: String]?

    /// Blobs that must already be in the repository: the config and the
    /// layers, less foreign layers that live elsewhere.
    public var requiredBlobs: [Descriptor] {
        (config.map { [$0] } ?? []) + layers.filter { !MediaType.foreignLayers.contains($0.mediaType) }
    }

    /// The descriptor of this manifest, as an index or the referrers API lists it.
    public var descriptor: Descriptor {
        Descriptor(
            mediaType: mediaType, digest: digest, size: Int64(bytes.count),
            artifactType: artifactType, annotations: annotations)
    }
}

extension Manifest {
    private struct Document: Decodable {
        var schemaVersion: Int?
        var mediaType: String?
        var artifactType: String?
        var config: Descriptor?
        var layers: [Descriptor]?
        var manifests: [Descriptor]?
        var subject: Descriptor?
        var annotations: [String: String]?
        var fsLayers: [AnyDecodable]?
        var signatures: [AnyDecodable]?
    }

    private struct AnyDecodable: Decodable {
        init(from decoder: any Decoder) throws {}
    }

    /// Parses a manifest pushed with the given `Content-Type`, hashing it with
    /// `algorithm`. Throws `MANIFEST_INVALID` with the reason on any defect.
    public init(parsing bytes: [UInt8], contentType: String?, algorithm: DigestAlgorithm = .sha256) throws(RegistryError) {
        guard bytes.count <= Self.maxSize else {
            throw RegistryError(.sizeInvalid, "manifest exceeds \(Self.maxSize) bytes", status: 413)
        }
        let declared = contentType.map(MediaType.essence)
        if declared == MediaType.dockerSchema1 || declared == MediaType.dockerSchema1Signed {
            throw Self.schema1Refused
        }
        try StrictJSON.check(bytes)
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: Data(bytes))
        } catch {
            throw RegistryError(.manifestInvalid, "manifest is not valid JSON of its type: \(Self.describe(error))")
        }
        if document.schemaVersion == 1 || document.fsLayers != nil || document.signatures != nil {
            throw Self.schema1Refused
        }
        guard document.schemaVersion == 2 else {
            throw RegistryError(.manifestInvalid, "schemaVersion must be 2")
        }
        let mediaType = try Self.resolveMediaType(document: document, declared: declared)
        if let artifactType = document.artifactType, !MediaType.isWellFormed(artifactType) {
            throw RegistryError(.manifestInvalid, "artifactType '\(artifactType.prefix(100))' is not a media type")
        }
        let all = (document.config.map { [$0] } ?? []) + (document.layers ?? []) + (document.manifests ?? [])
            + (document.subject.map { [$0] } ?? [])
        for descriptor in all {
            guard descriptor.size >= 0, MediaType.isWellFormed(descriptor.mediaType) else {
                throw RegistryError(
                    .manifestInvalid, "descriptor \(descriptor.digest) has an invalid media type or size")
            }
        }

        if MediaType.indexes.contains(mediaType) {
            guard let manifests = document.manifests, document.config == nil, document.layers == nil else {
                throw RegistryError(.manifestInvalid, "an index needs 'manifests' and has no 'config' or 'layers'")
            }
            kind = .index
            config = nil
            layers = []
            self.manifests = manifests
            artifactType = document.artifactType
        } else {
            guard let config = document.config, let layers = document.layers, document.manifests == nil else {
                throw RegistryError(.manifestInvalid, "an image manifest needs 'config' and 'layers' and has no 'manifests'")
            }
            kind = .image
            self.config = config
            self.layers = layers
            manifests = []
            artifactType = document.artifactType ?? config.mediaType
        }
        self.mediaType = mediaType
        self.bytes = bytes
        subject = document.subject
        annotations = document.annotations
        digest = DigestHasher.digest(of: bytes, algorithm: algorithm)
    }

    private static let schema1Refused = RegistryError(
        .manifestInvalid,
        "Docker schema 1 manifests are not supported: push an OCI or Docker schema 2 manifest instead")

    /// The body's own `mediaType` wins; it must agree with a manifest
    /// `Content-Type`. Without either, the shape decides.
    private static func resolveMediaType(document: Document, declared: String?) throws(RegistryError) -> String {
        let declaredManifest = declared.flatMap { MediaType.manifests.contains($0) ? $0 : nil }
        if let inBody = document.mediaType {
            guard MediaType.manifests.contains(inBody) else {
                throw RegistryError(.manifestInvalid, "unsupported manifest media type '\(inBody.prefix(100))'")
            }
            if let declaredManifest, declaredManifest != inBody {
                throw RegistryError(
                    .manifestInvalid, "Content-Type '\(declaredManifest)' does not match the manifest's mediaType '\(inBody)'")
            }
            return inBody
        }
        if let declaredManifest {
            if declaredManifest == MediaType.dockerManifest || declaredManifest == MediaType.dockerManifestList {
                throw RegistryError(.manifestInvalid, "Docker schema 2 manifests must carry their mediaType")
            }
            return declaredManifest
        }
        return document.manifests != nil ? MediaType.ociIndex : MediaType.ociManifest
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let c): return c.debugDescription + Self.path(c.codingPath)
        case DecodingError.keyNotFound(let key, let c): return "missing '\(key.stringValue)'" + Self.path(c.codingPath)
        case DecodingError.typeMismatch(_, let c): return "wrong type" + Self.path(c.codingPath)
        case DecodingError.valueNotFound(_, let c): return "null value" + Self.path(c.codingPath)
        default: return "unreadable JSON"
        }
    }

    private static func path(_ codingPath: [any CodingKey]) -> String {
        codingPath.isEmpty ? "" : " at " + codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }
}
