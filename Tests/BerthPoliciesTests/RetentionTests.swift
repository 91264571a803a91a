import BerthMetadata
import BerthPolicies
import Foundation
import OCI
import Testing

@Suite("Retention rules")
struct RetentionTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// An artifact of `team/<repository>` pushed `pushedDaysAgo` days ago.
    func artifact(_ repository: String, _ n: Int, tags: [String], pushedDaysAgo: Double, pulledDaysAgo: Double? = nil) -> ArtifactRecord {
        ArtifactRecord(
            repository: "team/" + repository,
            digest: try! Digest(parsing: "sha256:" + String(repeating: String(format: "%02x", n), count: 32)),
            tags: tags, pushedAt: now.addingTimeInterval(-pushedDaysAgo * 86400),
            pulledAt: pulledDaysAgo.map { now.addingTimeInterval(-$0 * 86400) })
    }

    var artifacts: [ArtifactRecord] {
        [
            artifact("app", 1, tags: ["v1.0.0"], pushedDaysAgo: 30, pulledDaysAgo: 1),
            artifact("app", 2, tags: ["v1.1.0"], pushedDaysAgo: 20),
            artifact("app", 3, tags: ["v1.2.0", "latest"], pushedDaysAgo: 10, pulledDaysAgo: 5),
            artifact("app", 4, tags: ["dev-abc"], pushedDaysAgo: 2),
            artifact("app", 5, tags: [], pushedDaysAgo: 40),
            artifact("tools/x", 6, tags: ["v1"], pushedDaysAgo: 100),
        ]
    }

    func deleted(_ rules: [RetentionRule]) -> [Int] {
        RetentionPolicy(rules: rules).artifactsToDelete(artifacts, project: "team", now: now).map { Int($0.digest.hex.prefix(2), radix: 16)! }.sorted()
    }

    @Test func eachKindOfRule() {
        // Keep the two most recently pushed v* tags of app; everything else in app goes, tools/x is not selected.
        #expect(deleted([RetentionRule(repositories: "app", tags: "v*", keep: .mostRecentlyPushed, count: 2)]) == [1, 4, 5])
        #expect(deleted([RetentionRule(repositories: "app", keep: .mostRecentlyPulled, count: 1)]) == [2, 3, 4, 5])
        #expect(deleted([RetentionRule(repositories: "**", keep: .pushedWithinDays, days: 15)]) == [1, 2, 5, 6])
        #expect(deleted([RetentionRule(keep: .pulledWithinDays, days: 7)]) == [2, 4, 5, 6])
        #expect(deleted([RetentionRule(tags: "v*", keep: .always)]) == [4, 5])
        // Untagged artifacts are selected only when a rule says so.
        #expect(deleted([RetentionRule(tags: "v*", untagged: true, keep: .always)]) == [4])
        // Rules add up: what any rule retains stays.
        #expect(deleted([
            RetentionRule(tags: "dev-*", keep: .mostRecentlyPushed, count: 5),
            RetentionRule(tags: "latest", keep: .always),
        ]) == [1, 2, 5, 6])
    }

    @Test func validation() {
        #expect(RetentionPolicy(rules: []).problem != nil)
        #expect(RetentionPolicy(rules: [RetentionRule(keep: .mostRecentlyPushed)]).problem?.contains("count") == true)
        #expect(RetentionPolicy(rules: [RetentionRule(keep: .pushedWithinDays, days: 0)]).problem?.contains("days") == true)
        #expect(RetentionPolicy(rules: [RetentionRule(tags: "[", keep: .always)]).problem != nil)
        #expect(RetentionPolicy(rules: [RetentionRule(keep: .always)], schedule: "every day").problem?.contains("cron") == true)
        #expect(RetentionPolicy(rules: [RetentionRule(keep: .always)], schedule: "0 4 * * *").problem == nil)
    }
}
