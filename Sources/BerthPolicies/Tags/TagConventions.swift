import BerthMetadata
import Foundation
import OCI

/// On the push chain: a project's tag rules (`TagRules`). A pushed tag may
/// be refused (only `latest`, or not one of the allowed patterns), its
/// move refused (not movable), and its semver aliases moved along with it.
/// Tags of signatures and other artifacts that clients name after a
/// digest (`sha256-<hex>`, `.sig`, `.att`, `.sbom`) are left alone.
public struct TagConventions: PushPolicy {
    let settings: any ProjectSettingStore

    public init(settings: any ProjectSettingStore) {
        self.settings = settings
    }

    public func admitManifest(_ manifest: Manifest, tag: Tag?, into repository: RepositoryName) async throws -> PushConditions {
        guard let tag, !Self.namesADigest(tag.value), let rules = try await TagRules.stored(in: settings, of: repository.project)
        else { return .init() }
        let name = tag.value
        if let forbidden = rules.forbidOnly, forbidden.contains(name) {
            let instead = rules.latestAlias && name == "latest" ? " (latest follows the highest version pushed)" : ""
            throw Self.refusal(
                "forbid_only", tag: name, "it cannot be the only tag of a push: push a version tag such as 1.2.3 instead\(instead)")
        }
        if let allowed = rules.allowed, !allowed.isEmpty, !allowed.compactMap(TagPattern.init).contains(where: { $0.matches(name) }) {
            throw Self.refusal("allowed", tag: name, "tags must match one of: \(allowed.joined(separator: ", "))")
        }
        var conditions = PushConditions()
        if let movable = rules.movable, !rules.isMovable(name, by: movable) {
            conditions.refusingMove = Self.refusal(
                "movable", tag: name,
                "it may not move to another digest; only these may: \(movable.isEmpty ? "none" : movable.joined(separator: ", "))")
        }
        let candidates = rules.aliasCandidates(for: name)
        if !candidates.isEmpty {
            conditions.aliases = TagAliases(candidates: candidates) { tags in rules.aliases(for: name, among: tags) }
        }
        return conditions
    }

    static func refusal(_ rule: String, tag: String, _ why: String) -> RegistryError {
        RegistryError(.denied, "tag \(tag) refused by the project's tag rule \(rule): \(why)", detail: ["tag": tag, "rule": rule])
    }

    /// `sha256-<hex>` with an optional `.sig`, `.att` or `.sbom`: the tags
    /// cosign and the referrers tag scheme derive from a subject's digest.
    public static func namesADigest(_ tag: String) -> Bool {
        guard tag.hasPrefix("sha256-") else { return false }
        let rest = tag.dropFirst(7)
        let hex = rest.prefix { $0 != "." }
        guard hex.count == 64, hex.allSatisfy({ $0.isASCIIDigit || ("a"..."f").contains($0) }) else { return false }
        return ["", ".sig", ".att", ".sbom"].contains(String(rest.dropFirst(64)))
    }
}

extension TagRules {
    /// The project's rules, nil when it has none.
    public static func stored(in settings: any ProjectSettingStore, of project: String) async throws -> TagRules? {
        guard let text = try await settings.setting(.tagRules, of: project) else { return nil }
        return try JSONDecoder().decode(TagRules.self, from: Data(text.utf8))
    }

    func isMovable(_ tag: String, by movable: [String]) -> Bool {
        movable.contains { entry in entry == "aliases" ? Self.isAlias(tag) : Glob(entry)?.matches(tag) ?? false }
    }
}
