import Foundation

/// What to copy between this registry and another, and when: push rules
/// copy local repositories out, pull rules bring another registry's in.
/// Stored as a JSON document, so a new filter needs no new column.
public struct ReplicationRule: Sendable, Equatable, Codable {
    public enum Direction: String, Sendable, Codable { case push, pull }
    public enum Trigger: String, Sendable, Codable { case manual, event, cron }

    public var name: String
    public var direction: Direction
    /// The other registry (`/api/v1/registries`).
    public var registry: String
    /// Repositories copied (a glob over the source's names, `**` for all)…
    public var repositories: String
    /// …and tags of them (a glob).
    public var tags: String
    /// Tags that are semantic versions in this range (`>=1.2.0 <2.0.0`, `^1.4.0`), besides matching `tags`.
    public var tagVersions: String?
    /// Repositories and tags left out, though they match.
    public var excludeRepositories: String?
    public var excludeTags: String?
    /// Replaces the first path component (the project) at the destination.
    public var destinationNamespace: String?
    public var trigger: Trigger
    /// A cron schedule, for `trigger: cron`.
    public var cron: String?
    /// Event rules: a tag or manifest deleted here is deleted there.
    public var replicateDeletions: Bool
    /// When false, a tag the destination has (at any digest) is left alone.
    public var override: Bool
    /// Of a multi-platform index, only these images (`os/architecture[/variant]`); nil: all.
    public var platforms: [String]?
    /// Artifacts carrying every one of these labels (`key` or `key=value`, an image's
    /// config labels and its manifest's annotations), none of `excludeLabels`.
    public var labels: [String]?
    public var excludeLabels: [String]?
    /// Artifacts of these types (globs over the artifact type: `artifactType`,
    /// else the config's media type, else an index's media type), none of `excludeArtifactTypes`.
    public var artifactTypes: [String]?
    public var excludeArtifactTypes: [String]?
    /// The most blob bytes a run reads per second, in KiB (nil: no limit).
    public var bandwidthKiBPerSecond: Int?
    public var enabled: Bool
    public var createdAt: Date

    public init(
        name: String, direction: Direction, registry: String, repositories: String = "**", tags: String = "**",
        excludeRepositories: String? = nil, excludeTags: String? = nil, destinationNamespace: String? = nil,
        trigger: Trigger = .manual, cron: String? = nil, replicateDeletions: Bool = false, override: Bool = true,
        tagVersions: String? = nil, platforms: [String]? = nil, labels: [String]? = nil, excludeLabels: [String]? = nil,
        artifactTypes: [String]? = nil, excludeArtifactTypes: [String]? = nil, bandwidthKiBPerSecond: Int? = nil, enabled: Bool = true,
        createdAt: Date = Date()
    ) {
        (self.labels, self.excludeLabels, self.artifactTypes, self.excludeArtifactTypes) = (labels, excludeLabels, artifactTypes, excludeArtifactTypes)
        (self.platforms, self.tagVersions) = (platforms, tagVersions)
        self.bandwidthKiBPerSecond = bandwidthKiBPerSecond
        (self.name, self.direction, self.registry, self.repositories, self.tags) = (name, direction, registry, repositories, tags)
        (self.excludeRepositories, self.excludeTags, self.destinationNamespace) = (excludeRepositories, excludeTags, destinationNamespace)
        (self.trigger, self.cron, self.replicateDeletions, self.override, self.enabled, self.createdAt) =
            (trigger, cron, replicateDeletions, override, enabled, createdAt)
    }

    /// Where `repository` goes: the namespace replaces its first component.
    public func destination(of repository: String) -> String {
        guard let namespace = destinationNamespace, !namespace.isEmpty else { return repository }
        guard let slash = repository.firstIndex(of: "/") else { return namespace + "/" + repository }
        return namespace + repository[slash...]
    }
}

/// One run of a rule: queued, claimed by one node, and what it did to each artifact.
public struct ReplicationExecution: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable { case pending, running, succeeded, failed }

    /// What an event asked for: one tag or digest of one repository, copied or deleted.
    public struct Scope: Sendable, Equatable, Codable {
        public var repository: String
        public var reference: String
        public var deletion: Bool
        public init(repository: String, reference: String, deletion: Bool) {
            (self.repository, self.reference, self.deletion) = (repository, reference, deletion)
        }
    }

    public struct Artifact: Sendable, Equatable, Codable {
        public enum Status: String, Sendable, Codable { case succeeded, failed, skipped }
        /// Where it came from and went.
        public var repository: String
        public var destination: String
        /// The tag, or the digest when copied by digest.
        public var reference: String
        public var digest: String?
        public var status: Status
        /// Blob bytes moved (not those the destination had).
        public var bytes: Int64
        public var durationMillis: Int64
        public var error: String?
        public init(
            repository: String, destination: String, reference: String, digest: String?, status: Status, bytes: Int64, durationMillis: Int64,
            error: String?
        ) {
            (self.repository, self.destination, self.reference, self.digest, self.status) = (repository, destination, reference, digest, status)
            (self.bytes, self.durationMillis, self.error) = (bytes, durationMillis, error)
        }
    }

    public var id: String
    public var rule: String
    public var trigger: ReplicationRule.Trigger
    public var scope: Scope?
    public var status: Status
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var artifacts: [Artifact]
    /// Why the execution as a whole failed (the rule's registry unreachable, …).
    public var error: String?

    public init(id: String, rule: String, trigger: ReplicationRule.Trigger, scope: Scope?, createdAt: Date = Date()) {
        (self.id, self.rule, self.trigger, self.scope, self.createdAt) = (id, rule, trigger, scope, createdAt)
        status = .pending
        artifacts = []
    }
}

public protocol ReplicationStore: Sendable {
    func replicationRules() async throws -> [ReplicationRule]
    func replicationRule(named name: String) async throws -> ReplicationRule?
    /// Throws `AccountStoreError.exists` when the name is taken.
    func createReplicationRule(_ rule: ReplicationRule) async throws
    /// False when there was none. Its executions stay, as history.
    func deleteReplicationRule(named name: String) async throws -> Bool

    /// Queues an execution; false when one with its id, or for the same
    /// rule and `slot` (a cron due time, the same on every node), was queued already.
    func enqueue(_ execution: ReplicationExecution, slot: Date?) async throws -> Bool
    /// Takes the oldest pending execution for `node`, or one whose node
    /// stopped beating before `staleBefore` (it died): each runs on one node.
    func claimExecution(node: String, now: Date, staleBefore: Date) async throws -> ReplicationExecution?
    /// Tells the others this node still runs `id`, with what it did so far.
    func beat(_ execution: ReplicationExecution, node: String, now: Date) async throws
    func finish(_ execution: ReplicationExecution) async throws
    func execution(id: String) async throws -> ReplicationExecution?
    /// A rule's newest executions first.
    func executions(of rule: String, limit: Int) async throws -> [ReplicationExecution]
    /// Forgets executions that ended before `date`; returns how many.
    func pruneExecutions(finishedBefore date: Date) async throws -> Int
}
