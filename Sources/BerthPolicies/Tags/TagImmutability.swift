import BerthMetadata
import OCI

/// Which tags may neither move to another digest nor be deleted, from the
/// project's immutability rules.
public struct TagImmutability: Sendable {
    let rules: any ImmutabilityRuleStore

    public init(rules: any ImmutabilityRuleStore) {
        self.rules = rules
    }

    /// The first rule protecting `tag` in `repository`, if any. Repository
    /// patterns are matched against the path inside the project
    /// (`team/sub/app` → `sub/app`).
    public func rule(protecting tag: String, in repository: RepositoryName) async throws -> ImmutabilityRule? {
        let path = String(repository.value.dropFirst(repository.project.count + 1))
        return try await rules.immutabilityRules(of: repository.project).first { rule in
            guard let repositories = Glob(rule.repositoryPattern), let tags = Glob(rule.tagPattern) else { return false }
            return repositories.matches(path) && tags.matches(tag)
        }
    }

    /// The error naming the rule that protects `tag`.
    public static func refusal(_ rule: ImmutabilityRule, tag: String, _ what: String) -> RegistryError {
        RegistryError(
            .denied,
            "tag \(tag) is immutable (rule \(rule.id): repository '\(rule.repositoryPattern)', tag '\(rule.tagPattern)'); \(what)",
            detail: ["tag": tag, "rule": rule.id])
    }
}

/// On the push chain: a protected tag may be re-pushed with the same digest
/// but neither moved nor deleted.
extension TagImmutability: PushPolicy {
    public func admitManifest(_ manifest: Manifest, tag: Tag?, into repository: RepositoryName) async throws -> PushConditions {
        guard let tag, let rule = try await rule(protecting: tag.value, in: repository) else { return .init() }
        return PushConditions(
            refusingMove: Self.refusal(rule, tag: tag.value, "re-pushing the same digest is allowed, moving it is not"))
    }

    public func admitDeletion(of tags: [String], from repository: RepositoryName) async throws {
        for tag in tags {
            if let rule = try await rule(protecting: tag, in: repository) { throw Self.refusal(rule, tag: tag, "it cannot be deleted") }
        }
    }
}
