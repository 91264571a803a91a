import Foundation
import OCI
import Synchronization

/// A `MetadataStore` that remembers the answers on the pull path (which
/// blobs a repository may read, manifests by digest, what tags point at) so
/// that most pulls never reach the database. Every write through this
/// decorator updates or drops what it changes, so on a single node the
/// cache is never stale.
///
/// Nodes sharing one database also drop what the others change, told by
/// the database (`changed`, from PostgreSQL notifications): such a cache
/// answers from memory only while those notifications reach it, and
/// starts empty each time they do again (`following`), since it cannot
/// know what it missed meanwhile.
public final class CachedMetadataStore: MetadataStore, FollowsChanges {
    private let base: any MetadataStore
    /// Whether answers may come from memory: always on a database of its
    /// own; on a shared one while other nodes' changes reach this node.
    private let trusted: Atomic<Bool>
    private let blobSizes: CacheMap<RepositoryDigest, Int64>
    private let manifests: CacheMap<RepositoryDigest, StoredManifest>
    private let tags: CacheMap<RepositoryTag, Digest>
    /// Told of this node's own content changes (as the database tells of
    /// other nodes'): what remembers answers derived from content.
    private let observers: [any FollowsChanges]

    private struct RepositoryDigest: Hashable {
        let repository: String
        let digest: Digest
    }

    private struct RepositoryTag: Hashable {
        let repository: String
        let tag: String
    }

    /// `maxEntries` bounds each of the three maps, and `maxBytes` the
    /// manifests' bytes (manifests are up to 4 MiB each: a count alone would
    /// allow 200 GB); a map that fills up is emptied, which is cheap and
    /// keeps memory flat.
    /// `shared`: other nodes write to the same database, and the cache
    /// stays unused until `following()`.
    public init(
        _ base: any MetadataStore, maxEntries: Int = 50_000, maxBytes: Int = 64 << 20, shared: Bool = false, observers: [any FollowsChanges] = []
    ) {
        self.base = base
        self.observers = observers
        trusted = Atomic(!shared)
        blobSizes = CacheMap(maxEntries: maxEntries)
        manifests = CacheMap(maxEntries: maxEntries, maxBytes: maxBytes) { $0.content.count }
        tags = CacheMap(maxEntries: maxEntries)
    }

    /// Bytes of manifests held now (for tests and metrics).
    public var manifestBytes: Int { manifests.bytes }

    /// Drops everything remembered: after garbage collection or retention
    /// removed content behind this decorator's back.
    public func forgetAll() {
        blobSizes.forget { _ in true }
        manifests.forget { _ in true }
        tags.forget { _ in true }
        tell(.unknown)
    }

    private func tell(_ change: ContentChange) {
        for observer in observers { observer.changed(change) }
    }

    /// Drops what another node's change (or this node's) made wrong.
    public func changed(_ change: ContentChange) {
        switch change {
        case .tag(let repository, let name): tags.forget(RepositoryTag(repository: repository, tag: name))
        case .manifest(let repository, let digest): manifests.forget(RepositoryDigest(repository: repository, digest: digest))
        case .blobLink(let repository, let digest): blobSizes.forget(RepositoryDigest(repository: repository, digest: digest))
        case .unknown: forgetAll()
        case .setting, .relation: break
        }
    }

    /// Other nodes' changes reach this node (again): the cache starts over.
    public func following() {
        forgetAll()
        trusted.store(true, ordering: .releasing)
    }

    /// Other nodes' changes no longer reach this node: answers come from
    /// the database until `following()`.
    public func lostTrack() {
        trusted.store(false, ordering: .releasing)
        forgetAll()
    }

    /// Whether answers come from memory now (false while a shared database's changes do not reach this node).
    public var isTrusted: Bool { trusted.load(ordering: .acquiring) }

    // MARK: Cached reads

    public func linkedBlobSize(_ repository: RepositoryName, _ digest: Digest) async throws -> Int64? {
        guard isTrusted else { return try await base.linkedBlobSize(repository, digest) }
        let key = RepositoryDigest(repository: repository.value, digest: digest)
        if let size = blobSizes[key] { return size }
        let generation = blobSizes.generation
        let size = try await base.linkedBlobSize(repository, digest)
        if let size { blobSizes.remember(key, size, ifStill: generation) }
        return size
    }

    public func manifest(_ repository: RepositoryName, _ reference: Reference) async throws -> StoredManifest? {
        guard isTrusted else { return try await base.manifest(repository, reference) }
        let digest: Digest
        switch reference {
        case .digest(let d):
            digest = d
        case .tag(let tag):
            let key = RepositoryTag(repository: repository.value, tag: tag.value)
            guard let cached = tags[key] else {
                let (tagGeneration, manifestGeneration) = (tags.generation, manifests.generation)
                let manifest = try await base.manifest(repository, reference)
                if let manifest {
                    tags.remember(key, manifest.digest, ifStill: tagGeneration)
                    manifests.remember(
                        RepositoryDigest(repository: repository.value, digest: manifest.digest), manifest, ifStill: manifestGeneration)
                }
                return manifest
            }
            digest = cached
        }
        let key = RepositoryDigest(repository: repository.value, digest: digest)
        if let manifest = manifests[key] { return manifest }
        let generation = manifests.generation
        let manifest = try await base.manifest(repository, .digest(digest))
        if let manifest { manifests.remember(key, manifest, ifStill: generation) }
        return manifest
    }

    // MARK: Writes, which keep the cache true

    public func linkBlob(_ repository: RepositoryName, _ digest: Digest, size: Int64, completing upload: String?) async throws {
        try await base.linkBlob(repository, digest, size: size, completing: upload)
    }

    public func unlinkBlob(_ repository: RepositoryName, _ digest: Digest, events: [RegistryEvent]) async throws -> Bool {
        defer { blobSizes.forget(RepositoryDigest(repository: repository.value, digest: digest)) }
        return try await base.unlinkBlob(repository, digest, events: events)
    }

    public func putManifest(
        _ repository: RepositoryName, _ manifest: Manifest, tag: Tag?, refusingMove: RegistryError?, aliases: TagAliases?,
        events: @escaping PushEvents
    ) async throws -> Digest? {
        defer { forgetPushed(repository, manifest, tags: (tag.map { [$0.value] } ?? []) + (aliases?.candidates ?? [])) }
        return try await base.putManifest(repository, manifest, tag: tag, refusingMove: refusingMove, aliases: aliases, events: events)
    }

    public func cacheManifest(_ repository: RepositoryName, _ manifest: Manifest, tag: Tag?, events: @escaping PushEvents) async throws -> Digest? {
        defer { forgetPushed(repository, manifest, tags: tag.map { [$0.value] } ?? []) }
        return try await base.cacheManifest(repository, manifest, tag: tag, events: events)
    }

    /// What a stored manifest may have changed: the tags written, and relations (an index, a subject).
    private func forgetPushed(_ repository: RepositoryName, _ manifest: Manifest, tags names: [String]) {
        for name in names {
            tags.forget(RepositoryTag(repository: repository.value, tag: name))
            tell(.tag(repository: repository.value, name: name))
        }
        if manifest.subject != nil || manifest.kind == .index { tell(.relation(repository: repository.value)) }
    }

    public func tags(_ repository: RepositoryName, pointingAt digest: Digest) async throws -> [String] {
        try await base.tags(repository, pointingAt: digest)
    }

    public func artifacts(_ repository: RepositoryName, tagged: String?, after cursor: ArtifactCursor?, limit: Int) async throws -> [ArtifactSummary] {
        try await base.artifacts(repository, tagged: tagged, after: cursor, limit: limit)
    }

    public func taggedArtifacts(_ repository: RepositoryName, after last: String?, limit: Int) async throws -> [(tag: String, artifact: ArtifactSummary)] {
        try await base.taggedArtifacts(repository, after: last, limit: limit)
    }

    public func repositories(inProject project: String, after last: String?, limit: Int) async throws -> [RepositorySummary] {
        try await base.repositories(inProject: project, after: last, limit: limit)
    }

    public func contents(ofProject project: String) async throws -> ProjectContents {
        try await base.contents(ofProject: project)
    }

    public func repositories(containing text: String, limit: Int) async throws -> [String] {
        try await base.repositories(containing: text, limit: limit)
    }

    public func tags(containing text: String, limit: Int) async throws -> [TagMatch] {
        try await base.tags(containing: text, limit: limit)
    }

    public func parents(_ repository: RepositoryName, of digest: Digest, limit: Int) async throws -> [Digest] {
        try await base.parents(repository, of: digest, limit: limit)
    }

    public func deleteManifest(_ repository: RepositoryName, _ digest: Digest, events: [RegistryEvent]) async throws -> Bool {
        // Any tag of the repository may have pointed at it; deletes are rare.
        defer {
            manifests.forget(RepositoryDigest(repository: repository.value, digest: digest))
            tags.forget { $0.repository == repository.value }
            tell(.manifest(repository: repository.value, digest: digest))
        }
        return try await base.deleteManifest(repository, digest, events: events)
    }

    public func deleteTag(_ repository: RepositoryName, _ tag: Tag, events: [RegistryEvent]) async throws -> Bool {
        defer {
            tags.forget(RepositoryTag(repository: repository.value, tag: tag.value))
            tell(.tag(repository: repository.value, name: tag.value))
        }
        return try await base.deleteTag(repository, tag, events: events)
    }

    // MARK: Passed through

    public func repositories(after last: String?, limit: Int) async throws -> [String] {
        try await base.repositories(after: last, limit: limit)
    }

    public func repositoryExists(_ repository: RepositoryName) async throws -> Bool {
        try await base.repositoryExists(repository)
    }

    public func storedBytes() async throws -> Int64 {
        try await base.storedBytes()
    }

    public func projectBytes(_ project: String) async throws -> Int64 {
        try await base.projectBytes(project)
    }

    public func projectHasBlob(_ project: String, _ digest: Digest) async throws -> Bool {
        try await base.projectHasBlob(project, digest)
    }

    public func tags(_ repository: RepositoryName, after last: String?, limit: Int) async throws -> [String] {
        try await base.tags(repository, after: last, limit: limit)
    }

    public func referrers(
        _ repository: RepositoryName, subject: Digest, artifactType: String?, after last: String?, limit: Int
    ) async throws -> [Descriptor] {
        try await base.referrers(repository, subject: subject, artifactType: artifactType, after: last, limit: limit)
    }

    public func announceCommit(upload id: String, digest: Digest) async throws {
        try await base.announceCommit(upload: id, digest: digest)
    }

    public func createUpload(id: String, repository: RepositoryName, at date: Date, digest: Digest?) async throws {
        try await base.createUpload(id: id, repository: repository, at: date, digest: digest)
    }

    public func upload(id: String) async throws -> UploadRecord? {
        try await base.upload(id: id)
    }

    public func deleteUpload(id: String) async throws {
        try await base.deleteUpload(id: id)
    }

    public func uploads(startedBefore date: Date) async throws -> [UploadRecord] {
        try await base.uploads(startedBefore: date)
    }
}
