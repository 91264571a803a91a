import Foundation
import OCI

/// What garbage collection reads and removes. Every removal re-checks, in
/// its own transaction, that what it removes is still garbage, so pushes
/// that committed since the collector looked are never undone.
public protocol GarbageCollectionStore: Sendable {
    /// Every manifest with what it points at: the graph the collector marks.
    func manifestGraph() async throws -> [ManifestNode]
    /// Every blob the registry indexes.
    func indexedBlobs() async throws -> [IndexedBlob]
    /// Removes a manifest if it is still untagged, not a child of an index
    /// in its repository, older than `cutoff` and, when it has a subject,
    /// that subject is gone (or `untaggedToo`, when it has none).
    func deleteGarbageManifest(_ node: ManifestNode, olderThan cutoff: Date, untaggedToo: Bool) async throws -> Bool
    /// Removes the index entries of those `digests` that no manifest
    /// references, no upload is committing and nobody linked after
    /// `cutoff`; returns the ones removed with their sizes.
    func forgetUnreferencedBlobs(_ digests: [Digest], linkedBefore cutoff: Date) async throws -> [IndexedBlob]
    /// Whether the registry indexes `digest` or an upload is committing it.
    func blobIsClaimed(_ digest: Digest) async throws -> Bool
    /// Tells every node's caches that content was removed.
    func bumpContentEpoch() async throws
    /// Changes whenever content was removed by a collection or retention run.
    func contentEpoch() async throws -> Int64
}

public struct ManifestNode: Sendable, Hashable {
    public let repository: String
    public let digest: Digest
    public let subject: Digest?
    public let createdAt: Date
    public let tagged: Bool
    /// Child manifests (of an index) and blobs, by kind.
    public let childManifests: [Digest]
    public let blobs: [Digest]
}

public struct IndexedBlob: Sendable, Hashable {
    public let digest: Digest
    public let size: Int64
    /// When a repository last linked it (a push or a mount).
    public let linkedAt: Date
}
