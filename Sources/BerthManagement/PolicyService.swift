import BerthAuth
import BerthMetadata
import BerthPolicies
import Foundation
import Logging
import OCI

/// A project's rules on its content: tag immutability rules (managed by
/// Maintainers and above), its retention policy and its other settings
/// (set by ProjectAdmins). Every member with a role sees them.
public struct PolicyService: Sendable {
    let rules: any ImmutabilityRuleStore & RetentionStore
    let settings: any ProjectSettingStore
    let permissions: ManagementPermissions
    let audit: ChangeAudit

    public func immutabilityRules(of project: String, by requester: Requester) async throws -> [ImmutabilityRule] {
        try await permissions.check(.projectRole(.guest, in: project), requester)
        return try await rules.immutabilityRules(of: project)
    }

    /// Tags matching `tag` in repositories matching `repository` (globs) cannot be moved or deleted.
    public func addImmutabilityRule(
        repository: String, tag: String, to project: String, by requester: Requester
    ) async throws -> ImmutabilityRule {
        let identity = try await permissions.check(.projectRole(.maintainer, in: project), requester)
        guard Glob(repository) != nil, Glob(tag) != nil else {
            throw RegistryError(.unsupported, "patterns use *, **, ? and [classes]", status: 400)
        }
        let rule = ImmutabilityRule(
            id: Secrets.random(length: 12).lowercased(), project: project, repositoryPattern: repository, tagPattern: tag)
        try await rules.addImmutabilityRule(rule)
        requester.logger.notice("immutability rule added", metadata: ["project": "\(project)", "rule": "\(rule.id)", "by": "\(identity)"])
        audit.record(requester, .created, "projects/\(project)/immutability-rules/\(rule.id)", project: project)
        return rule
    }

    public func deleteImmutabilityRule(_ id: String, from project: String, by requester: Requester) async throws {
        let identity = try await permissions.check(.projectRole(.maintainer, in: project), requester)
        guard try await rules.deleteImmutabilityRule(id: id, project: project) else {
            throw RegistryError(.nameUnknown, "no rule \(id.prefix(32)) in \(project)", status: 404)
        }
        requester.logger.notice("immutability rule deleted", metadata: ["project": "\(project)", "rule": "\(id)", "by": "\(identity)"])
        audit.record(requester, .deleted, "projects/\(project)/immutability-rules/\(id)", project: project)
    }

    /// The policy as stored: the JSON of a `RetentionPolicy`.
    public func retentionPolicy(of project: String, by requester: Requester) async throws -> String {
        try await permissions.check(.projectRole(.guest, in: project), requester)
        guard let policy = try await rules.retentionPolicy(of: project) else {
            throw RegistryError(.nameUnknown, "project \(project) has no retention policy", status: 404)
        }
        return policy
    }

    /// Stores a valid policy, and returns it as stored.
    public func setRetentionPolicy(_ policy: RetentionPolicy, of project: String, by requester: Requester) async throws -> String {
        try await permissions.check(.projectRole(.projectAdmin, in: project), requester)
        if let problem = policy.problem { throw RegistryError(.unsupported, problem, status: 400) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let text = String(decoding: try encoder.encode(policy), as: UTF8.self)
        try await rules.setRetentionPolicy(text, of: project)
        audit.record(requester, .changed, "projects/\(project)/retention", project: project)
        return text
    }

    /// Removing a policy that is not there succeeds too: either way the project has none.
    public func removeRetentionPolicy(of project: String, by requester: Requester) async throws {
        try await permissions.check(.projectRole(.projectAdmin, in: project), requester)
        try await rules.setRetentionPolicy(nil, of: project)
        audit.record(requester, .deleted, "projects/\(project)/retention", project: project)
    }
}
