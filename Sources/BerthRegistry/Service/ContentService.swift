import BerthMetadata
import BerthPolicies
import BerthStorage
import Foundation
import Logging
import NIOCore
import OCI
import Synchronization

/// Limits on what clients may send.
public struct RegistryLimits: Sendable {
    /// The largest blob accepted, in bytes.
    public var maxBlobSize: Int64
    /// The most entries one tag or catalog page may hold.
    public var maxPageSize: Int
    /// The most descriptors one referrers page may hold (each is a few hundred bytes).
    public var maxReferrersPage: Int

    public init(maxBlobSize: Int64 = 64 << 30, maxPageSize: Int = 10_000, maxReferrersPage: Int = 1_000) {
        self.maxBlobSize = maxBlobSize
        self.maxPageSize = maxPageSize
        self.maxReferrersPage = maxReferrersPage
    }
}

/// The registry's content in this node's stores, independent of HTTP:
/// what may be pulled, pushed and deleted, with every rule of the
/// distribution spec enforced and the policy chains run.
public final class ContentService: RegistryContent {
    let blobs: any BlobStore
    let metadata: any MetadataStore
    public let limits: RegistryLimits
    /// What every push must pass, in order (immutability, quotas, …).
    let pushPolicies: [any PushPolicy]
    /// What every manifest served must pass, in order.
    let pullPolicies: [any PullPolicy]
    let logger: Logger

    public init(
        blobs: any BlobStore, metadata: any MetadataStore, limits: RegistryLimits = .init(), pushPolicies: [any PushPolicy] = [],
        pullPolicies: [any PullPolicy] = [], logger: Logger
    ) {
        self.blobs = blobs
        self.metadata = metadata
        self.limits = limits
        self.pushPolicies = pushPolicies
        self.pullPolicies = pullPolicies
        self.logger = logger
    }

    // MARK: Blobs

    /// The blob `digest` if `repository` may read it; `BLOB_UNKNOWN` otherwise.
    public func readableBlob(_ repository: RepositoryName, _ digest: Digest) async throws -> ReadableBlob {
        guard let size = try await metadata.linkedBlobSize(repository, digest) else {
            throw RegistryError(.blobUnknown, detail: ["digest": digest.description])
        }
        return ReadableBlob(digest: digest, size: size)
    }

    /// Streams a blob (or a range of it).
    public func read(_ blob: ReadableBlob, range: ByteRange?) async throws -> BlobChunks {
        do {
            guard let chunks = try await blobs.read(blob.digest, range: range) else {
                logger.error("blob is indexed but missing from storage", metadata: ["digest": "\(blob.digest)"])
                throw RegistryError(.blobUnknown, detail: ["digest": blob.digest.description])
            }
            return chunks
        } catch BlobStoreError.rangeNotSatisfiable(let size) {
            throw RangeNotSatisfiable(size: size)
        }
    }

    /// Where clients may fetch a blob directly, if the store offers it.
    public func downloadURL(_ blob: ReadableBlob) -> String? {
        blobs.downloadURL(blob.digest)
    }

    /// Revokes `repository`'s access to a blob. The bytes are reclaimed by
    /// garbage collection, which alone knows no other push still needs them.
    public func deleteBlob(_ repository: RepositoryName, _ digest: Digest, by actor: Actor) async throws {
        let event = RegistryEvent(.blobDeleted, actor: actor, repository: repository, digest: digest)
        guard try await metadata.unlinkBlob(repository, digest, events: [event]) else {
            throw RegistryError(.blobUnknown, detail: ["digest": digest.description])
        }
        logger.info("blob unlinked", metadata: ["repository": "\(repository)", "digest": "\(digest)"])
    }

    /// Makes a blob of `source` readable through `repository` without an
    /// upload. False when `source` has no such blob.
    public func mountBlob(_ repository: RepositoryName, _ digest: Digest, from source: RepositoryName) async throws -> Bool {
        guard let size = try await metadata.linkedBlobSize(source, digest) else { return false }
        try await pushPolicies.admitBlob(into: repository, digest: digest, size: { size })
        try await metadata.linkBlob(repository, digest, size: size, completing: nil)
        // Linked first, checked second: garbage collection either saw the
        // link and kept the bytes, or removed them before this check.
        guard try await blobs.size(of: digest) == size else {
            _ = try await metadata.unlinkBlob(repository, digest, events: [])
            return false
        }
        return true
    }

    // MARK: Manifests

    /// A manifest to serve: it exists and passed every pull policy.
    public func manifest(_ repository: RepositoryName, _ reference: Reference) async throws -> StoredManifest {
        guard let manifest = try await metadata.manifest(repository, reference) else {
            throw RegistryError(.manifestUnknown, detail: ["reference": reference.description])
        }
        for policy in pullPolicies { try await policy.admitPull(of: manifest, from: repository, reference: reference) }
        return manifest
    }

    /// Validates and stores a manifest pushed as `reference` by `actor`;
    /// its events are committed with it.
    public func putManifest(
        _ repository: RepositoryName, _ reference: Reference, bytes: [UInt8], contentType: String?, by actor: Actor
    ) async throws -> ManifestPush {
        let algorithm: DigestAlgorithm
        if case .digest(let digest) = reference { algorithm = digest.algorithm } else { algorithm = .sha256 }
        let manifest = try Manifest(parsing: bytes, contentType: contentType, algorithm: algorithm)
        if case .digest(let digest) = reference, digest != manifest.digest {
            throw RegistryError(
                .digestInvalid, "manifest digest is \(manifest.digest), not \(digest)",
                detail: ["digest": digest.description])
        }
        let tag: Tag? = if case .tag(let t) = reference { t } else { nil }
        var conditions = PushConditions()
        for policy in pushPolicies {
            conditions = conditions.merged(with: try await policy.admitManifest(manifest, tag: tag, into: repository))
        }
        let quota = conditions.quota
        let previous = try await metadata.putManifest(
            repository, manifest, tag: tag, refusingMove: conditions.refusingMove, aliases: conditions.aliases
        ) { previous, aliases in
            Self.pushEvents(
                manifest, tag: tag, movedFrom: previous == manifest.digest ? nil : previous, aliases: aliases, quota: quota,
                in: repository, by: actor)
        }
        logger.info(
            "manifest pushed",
            metadata: ["repository": "\(repository)", "digest": "\(manifest.digest)", "tag": "\(tag?.value ?? "")"])
        return ManifestPush(manifest: manifest, tag: tag, movedFrom: previous == manifest.digest ? nil : previous, quota: conditions.quota)
    }

    /// Deleting by digest removes the manifest and its tags; by tag, only the
    /// tag. Neither may remove an immutable tag. `events` (which say who
    /// deleted, and why) are committed with the deletion.
    public func deleteManifest(_ repository: RepositoryName, _ reference: Reference, recording events: [RegistryEvent]) async throws {
        if let refusal = try await deletionRefusal(repository, reference) { throw refusal }
        let deleted: Bool
        switch reference {
        case .digest(let digest): deleted = try await metadata.deleteManifest(repository, digest, events: events)
        case .tag(let tag): deleted = try await metadata.deleteTag(repository, tag, events: events)
        }
        guard deleted else { throw RegistryError(.manifestUnknown, detail: ["reference": reference.description]) }
        logger.info("manifest deleted", metadata: ["repository": "\(repository)", "reference": "\(reference)"])
    }

    /// Why the push chain refuses deleting `reference` (an immutable tag), or nil.
    public func deletionRefusal(_ repository: RepositoryName, _ reference: Reference) async throws -> RegistryError? {
        guard !pushPolicies.isEmpty else { return nil }
        let tags = switch reference {
        case .tag(let tag): [tag.value]
        case .digest(let digest): try await metadata.tags(repository, pointingAt: digest)
        }
        do {
            for policy in pushPolicies { try await policy.admitDeletion(of: tags, from: repository) }
        } catch let refusal as RegistryError {
            return refusal
        }
        return nil
    }

    // MARK: Listing

    /// One page of tags, and whether more follow.
    public func tags(_ repository: RepositoryName, after last: String?, limit: Int?) async throws -> Page {
        let limit = min(limit ?? limits.maxPageSize, limits.maxPageSize)
        let tags = limit == 0 ? [] : try await metadata.tags(repository, after: last, limit: limit + 1)
        if tags.isEmpty, try await !metadata.repositoryExists(repository) {
            throw RegistryError(.nameUnknown, detail: ["name": repository.value])
        }
        return Page(items: tags, limit: limit)
    }

    /// One page of repository names, and whether more follow.
    public func catalog(after last: String?, limit: Int?) async throws -> Page {
        let limit = min(limit ?? limits.maxPageSize, limits.maxPageSize)
        let names = limit == 0 ? [] : try await metadata.repositories(after: last, limit: limit + 1)
        return Page(items: names, limit: limit)
    }

    /// A page of the referrers of `subject`, in digest order after `last`:
    /// a subject may have any number (every signature, SBOM and attestation).
    public func referrers(
        _ repository: RepositoryName, _ subject: Digest, artifactType: String?, after last: String?, limit: Int?
    ) async throws -> (descriptors: [Descriptor], hasMore: Bool) {
        let limit = min(limit ?? limits.maxReferrersPage, limits.maxReferrersPage)
        guard limit > 0 else { return ([], false) }
        let found = try await metadata.referrers(repository, subject: subject, artifactType: artifactType, after: last, limit: limit + 1)
        return (Array(found.prefix(limit)), found.count > limit)
    }
}
