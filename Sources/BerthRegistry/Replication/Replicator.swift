import BerthClient
import BerthMetadata
import BerthPolicies
import Foundation
import Logging
import OCI
import Synchronization

/// Runs replication executions: one at a time per node, each claimed by
/// one node of the cluster (another takes over when its heartbeat stops).
/// A push rule copies local repositories to the rule's registry, a pull
/// rule the other way; every artifact (a tag, with its index's images and
/// its referrers) ends as succeeded, skipped (already there, or kept by
/// `override: false`) or failed, with bytes and duration.
public final class Replicator: Sendable {
    let store: any ReplicationStore
    let registries: any RegistryStore
    let upstreams: Upstreams
    let content: any RegistryContent
    let uploads: UploadService
    let node: String
    /// Whether a project exists here (with `auth: none` every name does):
    /// a pull rule writes into existing projects only, as a client would have to.
    let projectExists: @Sendable (String) async throws -> Bool
    let logger: Logger
    /// A running execution's node writes its progress this often…
    static let beatInterval: TimeInterval = 10
    /// …and one silent this long has died: another node runs it again.
    static let staleAfter: TimeInterval = 60
    /// Artifacts copied at once (each with up to 4 blobs at once).
    static let parallelArtifacts = 4
    /// Tags one execution handles at most (a listing is held in memory).
    static let maxArtifacts = 100_000

    private let running = Mutex<Task<Void, Never>?>(nil)
    private let busy = Atomic<Bool>(false)

    public init(
        store: any ReplicationStore, registries: any RegistryStore, upstreams: Upstreams, content: any RegistryContent, uploads: UploadService,
        node: String, projectExists: @escaping @Sendable (String) async throws -> Bool, logger: Logger
    ) {
        (self.store, self.registries, self.upstreams, self.content, self.uploads, self.node, self.logger) =
            (store, registries, upstreams, content, uploads, node, logger)
        self.projectExists = projectExists
    }

    /// A background turn: when this node runs nothing, it claims the oldest queued execution and starts it.
    public func tick(now: Date = Date()) async throws {
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        let execution: ReplicationExecution?
        do {
            execution = try await store.claimExecution(node: node, now: now, staleBefore: now.addingTimeInterval(-Self.staleAfter))
        } catch {
            busy.store(false, ordering: .releasing)
            throw error
        }
        guard let execution else { return busy.store(false, ordering: .releasing) }
        running.withLock { running in
            running = Task {
                await self.run(execution)
                self.busy.store(false, ordering: .releasing)
            }
        }
    }

    /// Stops the running execution (it stays `running` and another node, or this one restarted, takes it over).
    public func shutdown() async {
        guard let task = running.withLock({ $0.take() }) else { return }
        task.cancel()
        await task.value
    }

    // MARK: One execution

    private func run(_ claimed: ReplicationExecution) async {
        let progress = Mutex(claimed)
        let beat = Task { [store, node] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(Self.beatInterval))
                try? await store.beat(progress.withLock { $0 }, node: node, now: Date())
            }
        }
        defer { beat.cancel() }
        var execution = claimed
        do {
            try await perform(claimed) { artifact in progress.withLock { $0.artifacts.append(artifact) } }
            execution = progress.withLock { $0 }
            execution.status = execution.artifacts.contains { $0.status == .failed } ? .failed : .succeeded
        } catch is CancellationError {
            return
        } catch {
            execution = progress.withLock { $0 }
            execution.status = .failed
            execution.error = "\(error)"
        }
        if Task.isCancelled { return }
        execution.finishedAt = Date()
        let failed = execution.artifacts.filter { $0.status == .failed }.count
        logger.log(
            level: execution.status == .succeeded ? .info : .warning, "replication finished",
            metadata: ["rule": "\(execution.rule)", "execution": "\(execution.id)", "status": "\(execution.status.rawValue)",
                       "artifacts": "\(execution.artifacts.count)", "failed": "\(failed)", "error": "\(execution.error ?? "")"])
        do {
            try await store.finish(execution)
        } catch {
            logger.error("a replication's outcome could not be stored", metadata: ["execution": "\(execution.id)", "error": "\(error)"])
        }
    }

    private func perform(_ execution: ReplicationExecution, record: @escaping @Sendable (ReplicationExecution.Artifact) -> Void) async throws {
        guard let rule = try await store.replicationRule(named: execution.rule) else { throw ClientError("the rule \(execution.rule) was deleted") }
        guard let registry = try await registries.registry(named: rule.registry) else {
            throw ClientError("the rule's registry \(rule.registry) is not defined")
        }
        let client = try upstreams.makeClient(registry)
        do {
            let throttle = rule.bandwidthKiBPerSecond.map { Throttle(bytesPerSecond: $0 * 1024) }
            let side = Side(rule: rule, registry: registry, client: client, throttle: throttle, filter: ArtifactFilter(rule), local: self)
            let deletion = execution.scope?.deletion == true
            let work = try await candidates(rule, execution.scope, side)
            try await withThrowingTaskGroup(of: Void.self) { group in
                var running = 0
                for (repository, reference) in work {
                    try Task.checkCancellation()
                    if running >= Self.parallelArtifacts {
                        try await group.next()
                        running -= 1
                    }
                    group.addTask {
                        let done = deletion ? await self.delete(repository, reference, side) : await self.copy(repository, reference, side)
                        if let done { record(done) }
                    }
                    running += 1
                }
                try await group.waitForAll()
            }
        } catch {
            try? await client.shutdown()
            throw error
        }
        try? await client.shutdown()
    }

    /// The two ends of a rule's copies.
    struct Side: Sendable {
        let rule: ReplicationRule
        let registry: UpstreamRegistry
        let client: RegistryClient
        /// The rule's bandwidth limit, shared by all of a run's reads.
        let throttle: Throttle?
        let filter: ArtifactFilter
        let local: Replicator

        func localRepository(_ name: String) throws -> LocalRepository {
            LocalRepository(
                content: local.content, uploads: local.uploads, name: try RepositoryName(parsing: name),
                actor: Actor(name: "replication:" + rule.name, kind: "system", source: nil))
        }

        func endpoints(_ repository: String) throws -> (source: any CopyEndpoint, destination: any CopyEndpoint) {
            let target = rule.destination(of: repository)
            let (source, destination): (any CopyEndpoint, any CopyEndpoint) = switch rule.direction {
            case .push: (try localRepository(repository), RemoteRepository(client: client, host: registry.host, repository: target))
            case .pull: (RemoteRepository(client: client, host: registry.host, repository: repository), try localRepository(target))
            }
            return (throttle.map { ThrottledEndpoint(source, throttle: $0) } ?? source, destination)
        }
    }

    /// The (repository, tag) pairs a run covers: the event's one, or every match of the rule's filters at the source.
    private func candidates(
        _ rule: ReplicationRule, _ scope: ReplicationExecution.Scope?, _ side: Side
    ) async throws -> [(String, String)] {
        if let scope { return [(scope.repository, scope.reference)] }
        let filter = ReplicationFilter(rule)
        var found: [(String, String)] = []
        for repository in try await sourceRepositories(side) where filter.includes(repository: repository) {
            for tag in try await sourceTags(repository, side) where filter.includes(tag: tag) {
                found.append((repository, tag))
                guard found.count <= Self.maxArtifacts else { throw ClientError("the rule matches more than \(Self.maxArtifacts) tags") }
            }
        }
        return found
    }

    private func sourceRepositories(_ side: Side) async throws -> [String] {
        switch side.rule.direction {
        case .pull: return try await side.client.catalog(on: side.registry.host)
        case .push: return try await everything { try await self.content.catalog(after: $0, limit: 1000) }
        }
    }

    private func sourceTags(_ repository: String, _ side: Side) async throws -> [String] {
        switch side.rule.direction {
        case .pull: return try await side.client.tags(repository, on: side.registry.host)
        case .push:
            let name = try RepositoryName(parsing: repository)
            return try await everything { try await self.content.tags(name, after: $0, limit: 1000) }
        }
    }

    private func everything(_ page: (String?) async throws -> Page) async throws -> [String] {
        var all: [String] = []
        var last: String?
        repeat {
            let next = try await page(last)
            all += next.items
            guard next.hasMore, all.count <= Self.maxArtifacts else { break }
            last = next.last
        } while true
        return all
    }

    /// Copies one tag (or digest) with what it needs and what refers to it;
    /// nil when its type or labels leave it out (not a copy the rule makes, so not recorded).
    private func copy(_ repository: String, _ reference: String, _ side: Side) async -> ReplicationExecution.Artifact? {
        let started = ContinuousClock.now
        let destination = side.rule.destination(of: repository)
        let bytes = Atomic<Int64>(0)
        func artifact(_ status: ReplicationExecution.Artifact.Status, digest: Digest?, error: String? = nil) -> ReplicationExecution.Artifact {
            let elapsed = ContinuousClock.now - started
            return .init(
                repository: repository, destination: destination, reference: reference, digest: digest?.description, status: status,
                bytes: bytes.load(ordering: .relaxed), durationMillis: Int64((elapsed / .milliseconds(1)).rounded()), error: error)
        }
        var digest: Digest?
        do {
            let (source, target) = try side.endpoints(repository)
            if side.rule.direction == .pull, let name = try? RepositoryName(parsing: target.repository), try await !projectExists(name.project) {
                throw ClientError("there is no project \(name.project) here to replicate into")
            }
            let manifest = try await source.manifest(reference)
            digest = manifest.digest
            if !side.filter.isEmpty, let refusal = try await side.filter.refusal(manifest, from: source) {
                logger.debug("left out by the rule's filters", metadata: [
                    "rule": "\(side.rule.name)", "repository": "\(repository)", "reference": "\(reference)", "reason": "\(refusal)"])
                return nil
            }
            let platforms = side.rule.platforms.map(ReplicationFilter.platforms)
            let expected = try platforms.flatMap { try ImageCopier.narrowed(manifest, keeping: $0) }?.digest ?? manifest.digest
            if let present = try await target.digest(of: reference), present == expected || !side.rule.override {
                return artifact(.skipped, digest: present, error: present == expected ? nil : "the destination has \(present) and override is off")
            }
            let copier = ImageCopier(from: source, to: target) { event in
                if case .blobBytes(let count) = event { bytes.add(Int64(count), ordering: .relaxed) }
            }
            digest = try await copier.copy(manifest, to: reference, keeping: platforms)
            // A narrowed index has a digest of its own; the original's referrers name the original, so they stay behind.
            if digest == manifest.digest { _ = try await copier.copyReferrers(of: manifest.digest) }
            return artifact(.succeeded, digest: digest)
        } catch {
            logger.warning("an artifact did not replicate", metadata: [
                "rule": "\(side.rule.name)", "repository": "\(repository)", "reference": "\(reference)", "error": "\(error)"])
            return artifact(.failed, digest: digest, error: "\(error)")
        }
    }

    /// Deletes at the destination what was deleted here (push rules with `replicate_deletions`).
    private func delete(_ repository: String, _ reference: String, _ side: Side) async -> ReplicationExecution.Artifact? {
        let destination = side.rule.destination(of: repository)
        do {
            let deleted = try await side.client.deleteManifest(destination, reference, on: side.registry.host)
            return .init(
                repository: repository, destination: destination, reference: reference, digest: nil, status: deleted ? .succeeded : .skipped,
                bytes: 0, durationMillis: 0, error: deleted ? nil : "the destination had no \(reference)")
        } catch {
            return .init(
                repository: repository, destination: destination, reference: reference, digest: nil, status: .failed, bytes: 0, durationMillis: 0,
                error: "\(error)")
        }
    }
}

/// A rule's repository and tag patterns, compiled once.
struct ReplicationFilter {
    let repositories: Glob?
    let tags: Glob?
    let excludedRepositories: Glob?
    let excludedTags: Glob?
    let versions: SemanticVersionRange?

    init(_ rule: ReplicationRule) {
        versions = rule.tagVersions.flatMap(SemanticVersionRange.init)
        repositories = Glob(rule.repositories)
        tags = Glob(rule.tags)
        excludedRepositories = rule.excludeRepositories.flatMap(Glob.init)
        excludedTags = rule.excludeTags.flatMap(Glob.init)
    }

    func includes(repository: String) -> Bool {
        (repositories?.matches(repository) ?? false) && !(excludedRepositories?.matches(repository) ?? false)
    }

    func includes(tag: String) -> Bool {
        guard (tags?.matches(tag) ?? false), !(excludedTags?.matches(tag) ?? false) else { return false }
        guard let versions else { return true }
        return SemanticVersion(tag).map(versions.contains) ?? false
    }

    /// The rule's platforms (checked when it was stored).
    static func platforms(_ names: [String]) -> [Descriptor.Platform] {
        names.compactMap(Descriptor.Platform.init(named:))
    }
}
