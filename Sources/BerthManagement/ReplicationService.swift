import BerthMetadata
import BerthPolicies
import Foundation
import Logging
import OCI

/// Replication rules and their executions (`/api/v1/replication`,
/// administrators: a rule lends a registry's credentials and reads or
/// writes any project). Running one queues an execution; a node of the
/// cluster claims it (`Replicator`).
public struct ReplicationService: Sendable {
    let store: any ReplicationStore
    let registries: any RegistryStore
    let permissions: ManagementPermissions
    let audit: ChangeAudit

    public func rules(by requester: Requester) async throws -> [ReplicationRule] {
        try await permissions.check(.admin, requester)
        return try await store.replicationRules()
    }

    public func rule(_ name: String, by requester: Requester) async throws -> ReplicationRule {
        try await permissions.check(.admin, requester)
        guard let rule = try await store.replicationRule(named: name) else { throw Self.unknown("replication rule", name) }
        return rule
    }

    public func create(_ rule: ReplicationRule, by requester: Requester) async throws -> ReplicationRule {
        try await permissions.check(.admin, requester)
        if let problem = Self.problem(of: rule) { throw RegistryError(.unsupported, problem, status: 400) }
        guard try await registries.registry(named: rule.registry) != nil else {
            throw RegistryError(.unsupported, "registry: no registry \(rule.registry.prefix(64)) is defined", status: 400)
        }
        do {
            try await store.createReplicationRule(rule)
        } catch AccountStoreError.exists {
            throw RegistryError(.unsupported, "a replication rule named \(rule.name) exists", status: 409)
        }
        requester.logger.notice("replication rule defined", metadata: ["rule": "\(rule.name)", "registry": "\(rule.registry)"])
        audit.record(requester, .created, "replication/rules/\(rule.name)")
        return rule
    }

    public func delete(_ name: String, by requester: Requester) async throws {
        try await permissions.check(.admin, requester)
        guard try await store.deleteReplicationRule(named: name) else { throw Self.unknown("replication rule", name) }
        audit.record(requester, .deleted, "replication/rules/\(name)")
    }

    /// Queues a run of the rule over everything its filters match; returns its id.
    public func run(_ name: String, by requester: Requester) async throws -> String {
        let rule = try await self.rule(name, by: requester)
        let execution = ReplicationExecution(id: UUID().uuidString.lowercased(), rule: rule.name, trigger: .manual, scope: nil)
        _ = try await store.enqueue(execution, slot: nil)
        audit.record(requester, .ran, "replication/rules/\(name)")
        return execution.id
    }

    public func executions(of name: String, limit: Int, by requester: Requester) async throws -> [ReplicationExecution] {
        _ = try await rule(name, by: requester)
        return try await store.executions(of: name, limit: limit)
    }

    public func execution(_ id: String, by requester: Requester) async throws -> ReplicationExecution {
        try await permissions.check(.admin, requester)
        guard id.count <= 200, let execution = try await store.execution(id: id) else { throw Self.unknown("replication execution", id) }
        return execution
    }

    static func problem(of rule: ReplicationRule) -> String? {
        if (try? AccountNames.validate(rule.name, what: "rule")) == nil {
            return "rule names are lowercase letters and digits, separated by '.', '_' or '-'"
        }
        for (field, pattern) in [("repositories", rule.repositories), ("tags", rule.tags), ("exclude_repositories", rule.excludeRepositories ?? "*"),
                                 ("exclude_tags", rule.excludeTags ?? "*")]
            where Glob(pattern) == nil
        {
            return "\(field) must be a glob pattern of 1 to 256 characters (`*`, `**`, `?`, `[…]`)"
        }
        if let namespace = rule.destinationNamespace, namespace.contains("/") || (try? RepositoryName(parsing: namespace)) == nil {
            return "destination_namespace must be one repository path component (lowercase letters and digits, '.', '_', '-')"
        }
        switch rule.trigger {
        case .cron:
            guard let cron = rule.cron, CronSchedule(cron) != nil else { return "a cron trigger needs cron: a five-field schedule such as \"0 * * * *\"" }
        case .event:
            if rule.direction == .pull { return "an event trigger fires on this registry's pushes: it is for push rules" }
            if rule.cron != nil { return "cron goes with trigger: cron only" }
        case .manual:
            if rule.cron != nil { return "cron goes with trigger: cron only" }
        }
        if let versions = rule.tagVersions, SemanticVersionRange(versions) == nil {
            return "tag_versions must be a semantic version range such as \">=1.2.0 <2.0.0\", \"^1.4.0\" or \"~2.3.1 || >=3.0.0\""
        }
        if let platforms = rule.platforms, platforms.isEmpty || platforms.count > 32 || platforms.contains(where: { Descriptor.Platform(named: $0) == nil }) {
            return "platforms must be 1 to 32 names such as linux/amd64 or linux/arm64/v8"
        }
        for (field, labels) in [("labels", rule.labels), ("exclude_labels", rule.excludeLabels)] {
            if let labels, labels.isEmpty || labels.count > 32 || labels.contains(where: { LabelCondition($0) == nil }) {
                return "\(field) must be 1 to 32 labels, each key or key=value (a key of 1 to 256 characters)"
            }
        }
        for (field, types) in [("artifact_types", rule.artifactTypes), ("exclude_artifact_types", rule.excludeArtifactTypes)] {
            if let types, types.isEmpty || types.count > 32 || types.contains(where: { Glob($0) == nil }) {
                return "\(field) must be 1 to 32 media types or globs over them (application/vnd.oci.image.config.v1+json, application/*)"
            }
        }
        if let bandwidth = rule.bandwidthKiBPerSecond, !(1...10_000_000).contains(bandwidth) {
            return "bandwidth_kib_per_second must be 1 to 10000000"
        }
        if rule.replicateDeletions, rule.trigger != .event || rule.direction != .push {
            return "replicate_deletions needs a push rule with trigger: event (deletions are events)"
        }
        return nil
    }

    static func unknown(_ what: String, _ name: String) -> RegistryError {
        RegistryError(.nameUnknown, "no \(what) \(name.prefix(64))", status: 404)
    }
}
