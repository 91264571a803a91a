import Foundation
import OCI

/// The registry's index of what exists where: repositories, which blobs
/// each repository may read, manifests with their references, tags,
/// referrers and upload sessions. It, not a walk of the blob store, is the
/// source of truth for listing and (later) garbage collection and quotas.
public protocol MetadataStore: Sendable {
    // Repositories
    /// Repository names after `last` in lexical order, at most `limit`.
    func repositories(after last: String?, limit: Int) async throws -> [String]
    func repositoryExists(_ repository: RepositoryName) async throws -> Bool
    /// Bytes of all blobs the registry knows, each counted once.
    func storedBytes() async throws -> Int64
    /// Bytes of the blobs readable in a project's repositories, each blob
    /// counted once however many repositories share it.
    func projectBytes(_ project: String) async throws -> Int64
    /// Whether some repository of `project` may read `digest`.
    func projectHasBlob(_ project: String, _ digest: Digest) async throws -> Bool

    // Blobs
    /// The size of `digest` if `repository` may read it, else nil.
    func linkedBlobSize(_ repository: RepositoryName, _ digest: Digest) async throws -> Int64?
    /// Records that the blob exists with `size` and that `repository` may
    /// read it; ends upload session `upload` in the same transaction.
    func linkBlob(_ repository: RepositoryName, _ digest: Digest, size: Int64, completing upload: String?) async throws
    /// Revokes `repository`'s access to a blob; the bytes stay for GC.
    /// Returns false when the repository had no such blob. Changes below
    /// write `events` to the outbox in their own transaction, when they
    /// change something.
    func unlinkBlob(_ repository: RepositoryName, _ digest: Digest, events: [RegistryEvent]) async throws -> Bool

    // Manifests and tags
    func manifest(_ repository: RepositoryName, _ reference: Reference) async throws -> StoredManifest?
    /// Stores a manifest after checking, atomically, that everything it
    /// references is in the repository; points `tag` at it when given.
    /// Throws `MANIFEST_BLOB_UNKNOWN` naming the first missing reference,
    /// and `refusingMove` if the tag points at another digest (immutable tags).
    /// `aliases` (with a tag only) move along in the same transaction.
    /// Returns the digest the tag pointed at before, if any; `events`,
    /// given that digest and the aliases moved, are the push's events.
    @discardableResult
    func putManifest(
        _ repository: RepositoryName, _ manifest: Manifest, tag: Tag?, refusingMove: RegistryError?, aliases: TagAliases?,
        events: @escaping PushEvents
    ) async throws -> Digest?
    /// Stores a manifest a pull-through cache fetched from its upstream,
    /// pointing `tag` at it when given. What it references is not checked:
    /// the cache fetches each blob and child when it is first asked for.
    @discardableResult
    func cacheManifest(_ repository: RepositoryName, _ manifest: Manifest, tag: Tag?, events: @escaping PushEvents) async throws -> Digest?
    /// The tags pointing at `digest`.
    func tags(_ repository: RepositoryName, pointingAt digest: Digest) async throws -> [String]
    /// Indexes in `repository` that list the manifest `digest`, at most `limit`.
    func parents(_ repository: RepositoryName, of digest: Digest, limit: Int) async throws -> [Digest]
    /// Deletes a manifest and every tag pointing at it. False when absent.
    func deleteManifest(_ repository: RepositoryName, _ digest: Digest, events: [RegistryEvent]) async throws -> Bool
    /// Removes one tag; the manifest stays. False when absent.
    func deleteTag(_ repository: RepositoryName, _ tag: Tag, events: [RegistryEvent]) async throws -> Bool
    /// The repository's artifacts (no subject, in no index), newest first, after `cursor`, at most `limit`;
    /// with `tagged`, only those with a tag containing it.
    func artifacts(_ repository: RepositoryName, tagged: String?, after cursor: ArtifactCursor?, limit: Int) async throws -> [ArtifactSummary]
    /// The repository's tags by name, after `last`, at most `limit`, each with its artifact.
    func taggedArtifacts(_ repository: RepositoryName, after last: String?, limit: Int) async throws -> [(tag: String, artifact: ArtifactSummary)]
    /// A project's repositories by name, after `last`, at most `limit`, with their counts.
    func repositories(inProject project: String, after last: String?, limit: Int) async throws -> [RepositorySummary]
    /// How many repositories a project has, and its last push.
    func contents(ofProject project: String) async throws -> ProjectContents
    /// Repositories and tags whose names contain `text` (the UI's search), at most `limit` of each.
    func repositories(containing text: String, limit: Int) async throws -> [String]
    func tags(containing text: String, limit: Int) async throws -> [TagMatch]
    /// Tags after `last` in lexical order, at most `limit`.
    func tags(_ repository: RepositoryName, after last: String?, limit: Int) async throws -> [String]
    /// Manifests in `repository` whose subject is `subject`, optionally of one
    /// artifact type, in digest order after `last`, at most `limit`.
    func referrers(
        _ repository: RepositoryName, subject: Digest, artifactType: String?, after last: String?, limit: Int
    ) async throws -> [Descriptor]

    // Upload sessions
    /// Opens a session; `digest`, when the client named it already, is
    /// announced as by `announceCommit`.
    func createUpload(id: String, repository: RepositoryName, at: Date, digest: Digest?) async throws
    /// Records, before the bytes become blob `digest`, that upload `id` is
    /// committing it, so garbage collection does not remove that blob until
    /// the upload is linked or gone.
    func announceCommit(upload id: String, digest: Digest) async throws
    func upload(id: String) async throws -> UploadRecord?
    func deleteUpload(id: String) async throws
    func uploads(startedBefore: Date) async throws -> [UploadRecord]
}

/// A manifest as stored: enough to serve it without parsing it again.
public struct StoredManifest: Sendable, Equatable {
    public let digest: Digest
    public let mediaType: String
    public let content: Data

    public init(digest: Digest, mediaType: String, content: Data) {
        self.digest = digest
        self.mediaType = mediaType
        self.content = content
    }
}

/// An upload session: which repository it is for and when it began.
public struct UploadRecord: Sendable, Equatable {
    public let id: String
    public let repository: String
    public let startedAt: Date
}

/// The events of a manifest push, given where its tag pointed before (to
/// tell a moved tag) and the aliases that moved with it: built before the
/// transaction, written inside it.
public typealias PushEvents = @Sendable (_ previous: Digest?, _ aliases: [AliasMove]) -> [RegistryEvent]

/// Tags the registry moves along with a tagged push (semver aliases),
/// chosen at commit from the repository's tags as they are then.
public struct TagAliases: Sendable {
    /// Every tag the push may move: each is locked before the tags are read.
    public let candidates: [String]
    /// The candidates to point at the pushed manifest, given the names of
    /// the repository's tags.
    public let choose: @Sendable (_ tags: [String]) -> [String]

    public init(candidates: [String], choose: @escaping @Sendable (_ tags: [String]) -> [String]) {
        self.candidates = candidates
        self.choose = choose
    }
}

/// An alias a push moved, and where it pointed before (nil: it is new).
public struct AliasMove: Sendable, Equatable {
    public let tag: String
    public let previous: Digest?
}
