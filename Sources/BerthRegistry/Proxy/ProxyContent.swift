import BerthClient
import BerthMetadata
import BerthPolicies
import BerthStorage
import Foundation
import Logging
import OCI
import Synchronization

/// The content of pull-through cache projects, in front of the node's own
/// (every other project passes straight through). A proxy project's
/// repository `<project>/<path>` mirrors `<path>` upstream (`library/…`
/// for Docker Hub's official images).
///
/// - A tag is served from the cache while it was checked within the
///   binding's TTL, else the upstream is asked with a `HEAD` (Docker Hub
///   does not count those) and the manifest fetched only when its digest changed.
/// - A digest, once cached, is served from the cache for good.
/// - Blobs and an index's children are fetched when first asked for,
///   stored (checked against their digests) and then served like pushed
///   ones. The request that asked first gets the blob's bytes as they
///   arrive; the others wait until it is stored.
/// - When the upstream is down, slow or refusing, what is cached is served
///   (logged and counted); only a miss fails, naming the upstream's answer.
/// - Concurrent misses for the same content make one upstream fetch.
public final class ProxyContent: RegistryContent {
    let local: any RegistryContent
    let metadata: any MetadataStore
    /// Writes fetched blobs (no push policies: a proxy project refuses pushes, not its cache).
    let writer: UploadService
    let upstreams: Upstreams
    let metrics: ProxyMetrics
    /// Told of each blob cached, to keep the project within its size limit.
    let eviction: CacheEviction?
    let logger: Logger
    private let flights = SingleFlight()
    /// Blobs on their way from upstreams, by repository and digest.
    private let fills = Mutex<[String: BlobFill]>([:])
    /// When each cached tag was last found current upstream (per node; a
    /// node that restarts asks again, which costs a `HEAD`).
    private let checked = Mutex<[String: Date]>([:])
    /// A tag whose check failed is not asked about again for a while.
    private let failing = Mutex<[String: Date]>([:])
    static let retryAfterFailure: TimeInterval = 5
    /// How long a pull of a cached tag waits for the upstream's answer before it is served from the cache.
    static let revalidationWait: Duration = .seconds(3)
    static let rememberedTags = 100_000

    public var limits: RegistryLimits { local.limits }

    public init(
        local: any RegistryContent, metadata: any MetadataStore, writer: UploadService, upstreams: Upstreams, metrics: ProxyMetrics,
        eviction: CacheEviction?, logger: Logger
    ) {
        (self.local, self.metadata, self.writer, self.upstreams, self.metrics, self.eviction, self.logger) =
            (local, metadata, writer, upstreams, metrics, eviction, logger)
    }

    /// Where `repository` lives upstream, when its project is a proxy.
    private struct Mirror {
        let binding: ProxyBinding
        let registry: UpstreamRegistry
        let client: RegistryClient
        let path: String
    }

    private func mirror(_ repository: RepositoryName) async throws -> Mirror? {
        let project = repository.project
        guard let binding = try await upstreams.binding(of: project) else { return nil }
        let (registry, client) = try await upstreams.upstream(binding)
        var path = String(repository.value.dropFirst(project.count + 1))
        if path.isEmpty { path = repository.value }
        if registry.host == "registry-1.docker.io" || registry.host == "index.docker.io", !path.contains("/") { path = "library/" + path }
        return Mirror(binding: binding, registry: registry, client: client, path: path)
    }

    // MARK: Manifests

    public func manifest(_ repository: RepositoryName, _ reference: Reference) async throws -> StoredManifest {
        let found: Mirror?
        do {
            found = try await self.mirror(repository)
        } catch {
            // The binding's registry was deleted, or its password cannot be opened here: what is cached is still served.
            guard try await metadata.manifest(repository, reference) != nil else { throw Self.upstreamUnusable(repository, error) }
            metrics.servedStale()
            return try await local.manifest(repository, reference)
        }
        guard let mirror = found else { return try await local.manifest(repository, reference) }
        let cached = try await metadata.manifest(repository, reference)
        switch reference {
        case .digest(let digest):
            if cached == nil {
                try await fill(repository, mirror, digest.description, tag: nil, miss: true)
            } else {
                metrics.hit()
            }
        case .tag(let tag):
            try await refresh(repository, mirror, tag, cached: cached)
        }
        return try await local.manifest(repository, reference)
    }

    /// Makes the cached tag current, or leaves it as it is when the upstream cannot say.
    private func refresh(_ repository: RepositoryName, _ mirror: Mirror, _ tag: Tag, cached: StoredManifest?) async throws {
        let key = repository.value + ":" + tag.value
        let now = Date()
        if cached != nil {
            let fresh = checked.withLock { $0[key] }.map { now.timeIntervalSince($0) < Double(mirror.binding.ttlSeconds) } ?? false
            let backingOff = failing.withLock { $0[key] }.map { now < $0 } ?? false
            if fresh || backingOff {
                metrics.hit()
                return
            }
        }
        do {
            try await flights.run("tag " + key, waitingAtMost: cached == nil ? nil : Self.revalidationWait) {
                self.metrics.revalidation()
                let reference = ImageReference("\(mirror.registry.host)/\(mirror.path):\(tag.value)")
                let current: Digest
                if let reference, let digest = try? await mirror.client.digest(of: reference) {
                    current = digest
                } else {
                    // No digest on HEAD: the manifest itself says.
                    current = try await mirror.client.manifest(mirror.path, tag.value, on: mirror.registry.host).digest
                }
                let stored = try await self.metadata.manifest(repository, .digest(current))
                if current != cached?.digest || stored == nil {
                    try await self.fill(repository, mirror, current.description, tag: tag, miss: cached == nil)
                } else {
                    self.metrics.hit()
                }
                self.remember(key, in: self.checked, at: Date())
                self.failing.withLock { _ = $0.removeValue(forKey: key) }
            }
        } catch {
            guard cached != nil else { throw Self.missFailed(error, what: "\(repository):\(tag)", upstream: mirror.registry.name) }
            metrics.servedStale()
            remember(key, in: failing, at: Date().addingTimeInterval(Self.retryAfterFailure))
            logger.warning(
                "the upstream could not be asked; serving the cached tag",
                metadata: ["repository": "\(repository)", "tag": "\(tag)", "upstream": "\(mirror.registry.name)", "error": "\(error)"])
        }
    }

    /// Fetches the manifest `reference` names upstream and caches it (pointing `tag` at it).
    private func fill(_ repository: RepositoryName, _ mirror: Mirror, _ reference: String, tag: Tag?, miss: Bool) async throws {
        do {
            try await flights.run("manifest \(repository.value)@\(reference)") {
                if miss { self.metrics.miss() }
                let fetched = try await mirror.client.manifest(mirror.path, reference, on: mirror.registry.host).manifest
                let actor = Actor(name: "proxy:" + mirror.registry.name, kind: "system", source: nil)
                try await self.metadata.cacheManifest(repository, fetched, tag: tag) { previous, _ in
                    ContentService.pushEvents(
                        fetched, tag: tag, movedFrom: previous == fetched.digest ? nil : previous, aliases: [], quota: nil,
                        in: repository, by: actor)
                }
                self.metrics.fetched(bytes: Int64(fetched.bytes.count))
                self.logger.info(
                    "manifest cached from upstream",
                    metadata: ["repository": "\(repository)", "digest": "\(fetched.digest)", "tag": "\(tag?.value ?? "")",
                               "upstream": "\(mirror.registry.name)"])
            }
        } catch let error as RegistryError {
            throw error
        } catch {
            throw Self.missFailed(error, what: "\(repository)@\(reference)", upstream: mirror.registry.name)
        }
    }

    // MARK: Blobs

    public func readableBlob(_ repository: RepositoryName, _ digest: Digest) async throws -> ReadableBlob {
        do {
            return try await local.readableBlob(repository, digest)
        } catch let error as RegistryError where error.code == .blobUnknown {
            let found: Mirror?
            do { found = try await mirror(repository) } catch let failure { throw Self.upstreamUnusable(repository, failure) }
            guard let mirror = found else { throw error }
            let (fill, live) = startOrJoinFill(repository, digest, mirror)
            do {
                if let live, let size = try await fill.opened.value {
                    return ReadableBlob(digest: digest, size: size, live: live)
                }
                try await fill.stored.value
            } catch let failure as RegistryError {
                throw failure
            } catch {
                throw Self.missFailed(error, what: "\(repository)@\(digest)", upstream: mirror.registry.name, blob: true)
            }
            return try await local.readableBlob(repository, digest)
        }
    }

    /// The fill of `digest` under way, or a new one with the claim to stream it (for the request that started it).
    private func startOrJoinFill(_ repository: RepositoryName, _ digest: Digest, _ mirror: Mirror) -> (BlobFill, LiveBlob?) {
        let key = "\(repository.value)@\(digest)"
        return fills.withLock { fills -> (BlobFill, LiveBlob?) in
            if let running = fills[key] { return (running, nil) }
            let (metadata, metrics, writer, eviction, logger, limit) = (metadata, metrics, writer, eviction, logger, limits.maxBlobSize)
            let fill = BlobFill {
                // Stored by a fill that ended between this request's miss and now.
                if try await metadata.linkedBlobSize(repository, digest) != nil { return nil }
                metrics.miss()
                // The upload hashes what it writes and refuses a mismatch: no second hash here.
                return try await mirror.client.blob(mirror.path, digest, on: mirror.registry.host, maxSize: limit, checkingDigest: false)
            } store: { bytes in
                _ = try await writer.uploadMonolithic(repository, digest: digest, body: bytes.reporting { metrics.fetched(bytes: Int64($0)) })
                logger.info("blob cached from upstream", metadata: [
                    "repository": "\(repository)", "digest": "\(digest)", "upstream": "\(mirror.registry.name)"])
                if mirror.binding.maxBytes != nil { eviction?.nudge(repository.project) }
            }
            fills[key] = fill
            Task { [weak self] in
                _ = await fill.stored.result
                self?.fills.withLock { _ = $0.removeValue(forKey: key) }
            }
            return (fill, LiveBlob(fill))
        }
    }

    /// A blob being filled streams to the request that started the fill;
    /// any other read (a range, a second read) waits until it is stored.
    public func read(_ blob: ReadableBlob, range: ByteRange?) async throws -> BlobChunks {
        guard let live = blob.live else { return try await local.read(blob, range: range) }
        if range == nil, let chunks = live.chunks(size: blob.size) { return chunks }
        live.letGo()
        try await live.fill.stored.value
        return try await local.read(blob, range: range)
    }

    /// Nothing to redirect to while the blob is still on its way.
    public func downloadURL(_ blob: ReadableBlob) -> String? { blob.live == nil ? local.downloadURL(blob) : nil }

    /// A miss in a proxy project whose upstream cannot be used at all (a 502 naming why, not a 500).
    static func upstreamUnusable(_ repository: RepositoryName, _ error: any Error) -> RegistryError {
        RegistryError(.unknown, "\(repository) is a pull-through cache whose upstream cannot be used: \(error)", status: 502)
    }

    /// What a client is told when content is not cached and the upstream did not give it.
    static func missFailed(_ error: any Error, what: String, upstream: String, blob: Bool = false) -> RegistryError {
        let status = (error as? ClientError)?.status
        let message = "\(what) is not cached and the upstream \(upstream) did not give it: \(error)"
        switch status {
        case 404?: return RegistryError(blob ? .blobUnknown : .manifestUnknown, message)
        case 429?: return RegistryError(.tooManyRequests, message)
        case 401?, 403?: return RegistryError(.denied, message, status: 403)
        default: return RegistryError(.unknown, message, status: 502)
        }
    }

    private func remember(_ key: String, in map: borrowing Mutex<[String: Date]>, at date: Date) {
        map.withLock { entries in
            if entries.count >= Self.rememberedTags { entries.removeAll(keepingCapacity: true) }
            entries[key] = date
        }
    }

    // MARK: Everything else is the node's own

    public func deleteBlob(_ repository: RepositoryName, _ digest: Digest, by actor: Actor) async throws {
        try await local.deleteBlob(repository, digest, by: actor)
    }
    public func mountBlob(_ repository: RepositoryName, _ digest: Digest, from source: RepositoryName) async throws -> Bool {
        try await local.mountBlob(repository, digest, from: source)
    }
    public func putManifest(
        _ repository: RepositoryName, _ reference: Reference, bytes: [UInt8], contentType: String?, by actor: Actor
    ) async throws -> ManifestPush {
        try await local.putManifest(repository, reference, bytes: bytes, contentType: contentType, by: actor)
    }
    public func deleteManifest(_ repository: RepositoryName, _ reference: Reference, recording events: [RegistryEvent]) async throws {
        try await local.deleteManifest(repository, reference, recording: events)
    }
    public func deletionRefusal(_ repository: RepositoryName, _ reference: Reference) async throws -> RegistryError? {
        try await local.deletionRefusal(repository, reference)
    }
    public func tags(_ repository: RepositoryName, after last: String?, limit: Int?) async throws -> Page {
        try await local.tags(repository, after: last, limit: limit)
    }
    public func catalog(after last: String?, limit: Int?) async throws -> Page { try await local.catalog(after: last, limit: limit) }
    public func referrers(
        _ repository: RepositoryName, _ subject: Digest, artifactType: String?, after last: String?, limit: Int?
    ) async throws -> (descriptors: [Descriptor], hasMore: Bool) {
        try await local.referrers(repository, subject, artifactType: artifactType, after: last, limit: limit)
    }
}

/// One run at a time per key: callers that arrive while a run is going wait
/// for it and share its outcome (errors included) instead of starting their own.
/// With `waitingAtMost`, a caller stops waiting after that long (and gets
/// `UpstreamTimeout`) while the run goes on for whoever comes next.
final class SingleFlight: Sendable {
    private let running = Mutex<[String: Task<Void, any Error>]>([:])

    func run(_ key: String, waitingAtMost timeout: Duration? = nil, _ work: @escaping @Sendable () async throws -> Void) async throws {
        let task = running.withLock { running -> Task<Void, any Error> in
            if let existing = running[key] { return existing }
            let task = Task<Void, any Error> {
                defer { self.running.withLock { _ = $0.removeValue(forKey: key) } }
                try await work()
            }
            running[key] = task
            return task
        }
        guard let timeout else { return try await task.value }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let once = ResumeOnce(continuation)
            Task { once.resume(with: await task.result) }
            Task {
                try? await Task.sleep(for: timeout)
                once.resume(with: .failure(UpstreamTimeout(after: timeout)))
            }
        }
    }
}

/// A continuation resumed by whichever comes first.
private final class ResumeOnce: Sendable {
    private let continuation: Mutex<CheckedContinuation<Void, any Error>?>
    init(_ continuation: CheckedContinuation<Void, any Error>) { self.continuation = Mutex(continuation) }
    func resume(with result: Result<Void, any Error>) { continuation.withLock { $0.take() }?.resume(with: result) }
}

struct UpstreamTimeout: Error, CustomStringConvertible {
    let after: Duration
    var description: String { "the upstream did not answer within \(after)" }
}

/// The pull-through cache's counters, for `/metrics`.
public final class ProxyMetrics: Sendable {
    private let hits = Atomic<Int>(0)
    private let misses = Atomic<Int>(0)
    private let revalidations = Atomic<Int>(0)
    private let stale = Atomic<Int>(0)
    private let upstreamBytes = Atomic<Int64>(0)
    private let evictions = Atomic<Int>(0)

    public init() {}

    func hit() { hits.add(1, ordering: .relaxed) }
    func miss() { misses.add(1, ordering: .relaxed) }
    func revalidation() { revalidations.add(1, ordering: .relaxed) }
    func servedStale() { stale.add(1, ordering: .relaxed) }
    func fetched(bytes: Int64) { upstreamBytes.add(bytes, ordering: .relaxed) }
    func evicted(_ count: Int) { evictions.add(count, ordering: .relaxed) }
    /// What each upstream said is left of its pull limit, on its last answer that said.
    private let remaining = Mutex<[String: Int64]>([:])

    func upstreamRemaining(_ registry: String, _ count: Int64) {
        remaining.withLock { known in
            if known[registry] == nil, known.count >= 1_000 { return }
            known[registry] = count
        }
    }

    public var exposition: String {
        """
        # TYPE berth_proxy_hits_total counter
        berth_proxy_hits_total \(hits.load(ordering: .relaxed))
        # TYPE berth_proxy_misses_total counter
        berth_proxy_misses_total \(misses.load(ordering: .relaxed))
        # TYPE berth_proxy_revalidations_total counter
        berth_proxy_revalidations_total \(revalidations.load(ordering: .relaxed))
        # TYPE berth_proxy_served_stale_total counter
        berth_proxy_served_stale_total \(stale.load(ordering: .relaxed))
        # TYPE berth_proxy_upstream_bytes_total counter
        berth_proxy_upstream_bytes_total \(upstreamBytes.load(ordering: .relaxed))
        # TYPE berth_proxy_evicted_total counter
        berth_proxy_evicted_total \(evictions.load(ordering: .relaxed))
        # TYPE berth_proxy_upstream_ratelimit_remaining gauge

        """ + remaining.withLock { $0 }.sorted { $0.key < $1.key }.map { registry, count in
            "berth_proxy_upstream_ratelimit_remaining{registry=\"\(registry)\"} \(count)\n"
        }.joined()
    }
}
