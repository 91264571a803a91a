import BerthMetadata
import BerthPolicies
import BerthStorage
import OCI

/// The registry's content as `/v2` and maintenance reach it: blobs,
/// manifests, tags and referrers. `ContentService` serves this node's
/// stores; a decorator (a pull-through cache: serve from upstream on a
/// miss) can stand in front of it without the handlers knowing.
public protocol RegistryContent: Sendable {
    var limits: RegistryLimits { get }

    /// The blob `digest` if `repository` may read it; `BLOB_UNKNOWN` otherwise.
    func readableBlob(_ repository: RepositoryName, _ digest: Digest) async throws -> ReadableBlob
    /// Streams a blob (or a range of it).
    func read(_ blob: ReadableBlob, range: ByteRange?) async throws -> BlobChunks
    /// Where clients may fetch a blob directly, if the store offers it.
    func downloadURL(_ blob: ReadableBlob) -> String?
    /// Revokes `repository`'s access to a blob, recording who did.
    func deleteBlob(_ repository: RepositoryName, _ digest: Digest, by actor: Actor) async throws
    /// Makes a blob of `source` readable through `repository` without an upload.
    func mountBlob(_ repository: RepositoryName, _ digest: Digest, from source: RepositoryName) async throws -> Bool

    /// A manifest to serve: it exists and passed every pull policy.
    func manifest(_ repository: RepositoryName, _ reference: Reference) async throws -> StoredManifest
    /// Validates and stores a manifest pushed as `reference` by `actor`.
    func putManifest(
        _ repository: RepositoryName, _ reference: Reference, bytes: [UInt8], contentType: String?, by actor: Actor
    ) async throws -> ManifestPush
    /// Deletes by digest (the manifest and its tags) or by tag, committing `events` with it.
    func deleteManifest(_ repository: RepositoryName, _ reference: Reference, recording events: [RegistryEvent]) async throws
    /// Why the push chain refuses deleting `reference`, or nil.
    func deletionRefusal(_ repository: RepositoryName, _ reference: Reference) async throws -> RegistryError?

    /// One page of tags, and whether more follow.
    func tags(_ repository: RepositoryName, after last: String?, limit: Int?) async throws -> Page
    /// One page of repository names, and whether more follow.
    func catalog(after last: String?, limit: Int?) async throws -> Page
    /// A page of the referrers of `subject`, in digest order after `last`.
    func referrers(
        _ repository: RepositoryName, _ subject: Digest, artifactType: String?, after last: String?, limit: Int?
    ) async throws -> (descriptors: [Descriptor], hasMore: Bool)
}

/// A blob a repository may read. Only the content service makes one, so
/// holding one proves the access check was made (once per request).
public struct ReadableBlob: Sendable {
    public let digest: Digest
    public let size: Int64
    /// A blob a pull-through cache is fetching right now: its bytes as they arrive, for the request that asked first.
    var live: LiveBlob? = nil
}

/// What a manifest push did.
public struct ManifestPush: Sendable {
    public let manifest: Manifest
    public let tag: Tag?
    /// Where the tag pointed before, when it moved.
    public let movedFrom: Digest?
    /// The project's usage after the push, when it has a quota.
    public let quota: QuotaUsage?
}

/// A page of a listing: `items` holds at most `limit` entries; `hasMore`
/// tells whether the listing continues after the last one.
public struct Page: Sendable {
    public let items: [String]
    public let hasMore: Bool
    /// What the caller may see of `items` (all of them unless filtered).
    public private(set) var shown: [String]

    init(items: [String], limit: Int) {
        self.items = Array(items.prefix(limit))
        hasMore = items.count > limit
        shown = self.items
    }

    /// Where the next page starts.
    public var last: String? { items.last }

    /// The same page showing only `visible`.
    func showing(_ visible: [String]) -> Page {
        var page = self
        page.shown = visible
        return page
    }
}

/// A `Range` outside the blob: answered 416 with the blob's size.
public struct RangeNotSatisfiable: Error {
    public let size: Int64
}
