import BerthMetadata
import Foundation
import OCI

/// A project's retention policy: rules that each retain some artifacts of
/// the repositories they select. In a repository some rule selects, every
/// artifact no rule retains is deleted; repositories no rule selects are
/// left alone. Runs on `schedule` (cron, UTC) or on demand.
public struct RetentionPolicy: Sendable, Equatable, Codable {
    public var rules: [RetentionRule]
    public var schedule: String?

    public init(rules: [RetentionRule], schedule: String? = nil) {
        self.rules = rules
        self.schedule = schedule
    }

    /// A clear message for the first thing wrong, or nil.
    public var problem: String? {
        if let schedule, CronSchedule(schedule) == nil { return "schedule must be a cron expression such as '0 4 * * *'" }
        guard !rules.isEmpty, rules.count <= 50 else { return "a policy has 1 to 50 rules" }
        for (index, rule) in rules.enumerated() {
            if let problem = rule.problem { return "rule \(index + 1): \(problem)" }
        }
        return nil
    }
}

public struct RetentionRule: Sendable, Equatable, Codable {
    public enum Keep: String, Sendable, Codable {
        case mostRecentlyPushed = "most_recently_pushed"
        case mostRecentlyPulled = "most_recently_pulled"
        case pushedWithinDays = "pushed_within_days"
        case pulledWithinDays = "pulled_within_days"
        case always
    }

    /// Pattern over repository names relative to the project (`**` for all).
    public var repositories: String
    /// Pattern over tags; an artifact is selected when one of its tags matches.
    public var tags: String
    /// Whether untagged artifacts are selected too.
    public var untagged: Bool
    public var keep: Keep
    /// N for the `most_recently_*` kinds.
    public var count: Int?
    /// D for the `*_within_days` kinds.
    public var days: Int?

    public init(repositories: String = "**", tags: String = "**", untagged: Bool = false, keep: Keep, count: Int? = nil, days: Int? = nil) {
        (self.repositories, self.tags, self.untagged, self.keep, self.count, self.days) = (repositories, tags, untagged, keep, count, days)
    }

    enum CodingKeys: String, CodingKey { case repositories, tags, untagged, keep, count, days }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        repositories = try c.decodeIfPresent(String.self, forKey: .repositories) ?? "**"
        tags = try c.decodeIfPresent(String.self, forKey: .tags) ?? "**"
        untagged = try c.decodeIfPresent(Bool.self, forKey: .untagged) ?? false
        keep = try c.decode(Keep.self, forKey: .keep)
        count = try c.decodeIfPresent(Int.self, forKey: .count)
        days = try c.decodeIfPresent(Int.self, forKey: .days)
    }

    var problem: String? {
        guard Glob(repositories) != nil, Glob(tags) != nil else { return "patterns use *, **, ? and [classes]" }
        switch keep {
        case .mostRecentlyPushed, .mostRecentlyPulled:
            guard let count, (1...100_000).contains(count) else { return "\(keep.rawValue) needs a count of 1 to 100000" }
        case .pushedWithinDays, .pulledWithinDays:
            guard let days, (1...36_500).contains(days) else { return "\(keep.rawValue) needs days from 1 to 36500" }
        case .always: break
        }
        return nil
    }

    /// Whether this rule, with its tag pattern compiled, selects `artifact`
    /// of a repository it selects.
    func selects(_ artifact: ArtifactRecord, tags glob: Glob?) -> Bool {
        if artifact.tags.isEmpty { return untagged }
        return artifact.tags.contains { glob?.matches($0) == true }
    }

    /// The artifacts, among those selected, this rule retains.
    func retained(_ selected: [ArtifactRecord], now: Date) -> [ArtifactRecord] {
        switch keep {
        case .always:
            return selected
        case .mostRecentlyPushed:
            return Array(selected.sorted { ($0.pushedAt, $0.digest.description) > ($1.pushedAt, $1.digest.description) }.prefix(max(0, count ?? 0)))
        case .mostRecentlyPulled:
            let pulled = selected.filter { $0.pulledAt != nil }
            return Array(pulled.sorted { ($0.pulledAt!, $0.digest.description) > ($1.pulledAt!, $1.digest.description) }.prefix(max(0, count ?? 0)))
        case .pushedWithinDays:
            let since = now.addingTimeInterval(-Double(days ?? 0) * 86400)
            return selected.filter { $0.pushedAt >= since }
        case .pulledWithinDays:
            let since = now.addingTimeInterval(-Double(days ?? 0) * 86400)
            return selected.filter { ($0.pulledAt ?? .distantPast) >= since }
        }
    }
}

extension RetentionPolicy {
    /// The artifacts of `project` this policy deletes: in each repository
    /// some rule selects, those no rule retains.
    public func artifactsToDelete(_ artifacts: [ArtifactRecord], project: String, now: Date = Date()) -> [ArtifactRecord] {
        let compiled = rules.map { (rule: $0, repositories: Glob($0.repositories), tags: Glob($0.tags)) }
        let byRepository = Dictionary(grouping: artifacts, by: \.repository)
        var doomed: [ArtifactRecord] = []
        for (repository, candidates) in byRepository.sorted(by: { $0.key < $1.key }) {
            let relative = String(repository.dropFirst(project.count + 1))
            let applying = compiled.filter { $0.repositories?.matches(relative) == true }
            guard !applying.isEmpty else { continue }
            var kept = Set<String>()
            for (rule, _, tags) in applying {
                let selected = candidates.filter { rule.selects($0, tags: tags) }
                kept.formUnion(rule.retained(selected, now: now).map(\.digest.description))
            }
            doomed += candidates.filter { !kept.contains($0.digest.description) }
        }
        return doomed
    }
}
