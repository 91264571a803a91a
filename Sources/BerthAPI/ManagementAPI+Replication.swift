import BerthManagement
import BerthMetadata
import Foundation
import Hummingbird
import OCI

/// Replication rules and executions (administrators).
extension ManagementAPI {
    /// A rule as scripts write it: optional fields take the documented defaults.
    struct ReplicationRuleBody: Codable {
        let name: String
        let direction: ReplicationRule.Direction
        let registry: String
        let repositories: String?
        let tags: String?
        let exclude_repositories: String?
        let exclude_tags: String?
        let destination_namespace: String?
        let trigger: ReplicationRule.Trigger?
        let cron: String?
        let replicate_deletions: Bool?
        let override: Bool?
        let tag_versions: String?
        let platforms: [String]?
        let labels, exclude_labels, artifact_types, exclude_artifact_types: [String]?
        let bandwidth_kib_per_second: Int?
        let enabled: Bool?
        let created_at: String?

        init(_ rule: ReplicationRule) {
            (name, direction, registry, repositories, tags) = (rule.name, rule.direction, rule.registry, rule.repositories, rule.tags)
            (exclude_repositories, exclude_tags, destination_namespace) = (rule.excludeRepositories, rule.excludeTags, rule.destinationNamespace)
            (trigger, cron, replicate_deletions, override, enabled) = (rule.trigger, rule.cron, rule.replicateDeletions, rule.override, rule.enabled)
            (tag_versions, platforms, bandwidth_kib_per_second) = (rule.tagVersions, rule.platforms, rule.bandwidthKiBPerSecond)
            (labels, exclude_labels, artifact_types, exclude_artifact_types) = (rule.labels, rule.excludeLabels, rule.artifactTypes, rule.excludeArtifactTypes)
            created_at = ISO8601DateFormatter().string(from: rule.createdAt)
        }

        var rule: ReplicationRule {
            ReplicationRule(
                name: name, direction: direction, registry: registry, repositories: repositories ?? "**", tags: tags ?? "**",
                excludeRepositories: exclude_repositories, excludeTags: exclude_tags, destinationNamespace: destination_namespace,
                trigger: trigger ?? .manual, cron: cron, replicateDeletions: replicate_deletions ?? false, override: override ?? true,
                tagVersions: tag_versions, platforms: platforms, labels: labels, excludeLabels: exclude_labels, artifactTypes: artifact_types,
                excludeArtifactTypes: exclude_artifact_types, bandwidthKiBPerSecond: bandwidth_kib_per_second, enabled: enabled ?? true)
        }
    }

    struct ExecutionBody: Encodable {
        struct Artifact: Encodable {
            let repository, destination, reference: String
            let digest: String?
            let status: String
            let bytes, duration_ms: Int64
            let error: String?
        }
        let id, rule, trigger, status: String
        let repository, reference: String?
        let deletion: Bool?
        let created_at: Date
        let started_at, finished_at: Date?
        let artifacts: [Artifact]
        let error: String?

        init(_ execution: ReplicationExecution) {
            (id, rule, trigger, status) = (execution.id, execution.rule, execution.trigger.rawValue, execution.status.rawValue)
            (repository, reference, deletion) = (execution.scope?.repository, execution.scope?.reference, execution.scope?.deletion)
            (created_at, started_at, finished_at, error) = (execution.createdAt, execution.startedAt, execution.finishedAt, execution.error)
            artifacts = execution.artifacts.map {
                Artifact(repository: $0.repository, destination: $0.destination, reference: $0.reference, digest: $0.digest,
                         status: $0.status.rawValue, bytes: $0.bytes, duration_ms: $0.durationMillis, error: $0.error)
            }
        }
    }

    func addReplicationRoutes(to api: ManagementRoutes) {
        let replication = services.replication
        api.on("/replication/rules", .get, requires: .admin) { _, context in
            try Self.json(try await replication.rules(by: context.requester).map(ReplicationRuleBody.init))
        }
        api.on("/replication/rules", .post, requires: .admin) { request, context in
            let body = try await Self.decode(ReplicationRuleBody.self, request, context)
            return try Self.json(ReplicationRuleBody(try await replication.create(body.rule, by: context.requester)), status: .created)
        }
        api.on("/replication/rules/{rule}", .get, requires: .admin) { _, context in
            try Self.json(ReplicationRuleBody(try await replication.rule(context.parameters.require("rule"), by: context.requester)))
        }
        api.on("/replication/rules/{rule}", .delete, requires: .admin) { _, context in
            try await replication.delete(context.parameters.require("rule"), by: context.requester)
            return Response(status: .noContent)
        }
        api.on("/replication/rules/{rule}/executions", .post, requires: .admin) { _, context in
            struct Queued: Encodable { let id: String }
            let id = try await replication.run(context.parameters.require("rule"), by: context.requester)
            return try Self.json(Queued(id: id), status: .created)
        }
        api.on("/replication/rules/{rule}/executions", .get, requires: .admin) { request, context in
            let limit = try Self.pageLimit(request.uri.queryParameters["limit"], fallback: 50)
            let executions = try await replication.executions(of: context.parameters.require("rule"), limit: limit, by: context.requester)
            return try Self.json(executions.map(ExecutionBody.init))
        }
        api.on("/replication/executions/{id}", .get, requires: .admin) { _, context in
            try Self.json(ExecutionBody(try await replication.execution(context.parameters.require("id"), by: context.requester)))
        }
    }
}
