import BerthPolicies
import Testing

@Suite("Semantic versions and tag rules")
struct TagRulesTests {
    @Test func versionsParseByTheGrammar() {
        for valid in ["1.2.3", "v1.2.3", "0.0.0", "1.5.0-rc.1", "1.0.0-alpha-1.x", "10.20.30-0", "123456789012345678901234567890.0.0"] {
            #expect(SemanticVersion(valid) != nil, "\(valid)")
        }
        for invalid in ["1.2", "1.2.3.4", "01.2.3", "1.02.3", "1.2.3-", "1.2.3-01", "1.2.3-a..b", "v", "V1.2.3", "1.2.x", "", "latest"] {
            #expect(SemanticVersion(invalid) == nil, "\(invalid)")
        }
        #expect(SemanticVersion("v1.5.0-rc.1")?.description == "v1.5.0-rc.1")
    }

    @Test func precedenceFollowsSemVer2() throws {
        // The specification's own example, in order.
        let ordered = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0",
                       "1.0.1", "1.2.0", "1.10.0", "2.0.0", "99999999999999999999.0.0"]
        let versions = try ordered.map { try #require(SemanticVersion($0)) }
        for (a, b) in zip(versions, versions.dropFirst()) { #expect(a < b, "\(a) < \(b)") }
        #expect(versions.shuffled().sorted() == versions)
        #expect(try #require(SemanticVersion("v1.2.3")).hasPrecedence(equalTo: try #require(SemanticVersion("1.2.3"))))
    }

    @Test func aliasesFollowTheHighestReleaseOfTheirLine() {
        let rules = TagRules(semverAliases: true, latestAlias: true)
        #expect(rules.aliases(for: "1.4.2", among: []) == ["1.4", "1", "latest"])
        // An older patch moves only its own line.
        #expect(rules.aliases(for: "1.3.9", among: ["1.4.2", "1.4", "1", "latest"]) == ["1.3"])
        // A newer patch of an older minor: its minor only.
        #expect(rules.aliases(for: "1.3.10", among: ["1.3.9", "1.4.2"]) == ["1.3"])
        // A pre-release moves nothing, and does not count against a release.
        #expect(rules.aliases(for: "1.5.0-rc.1", among: ["1.4.2"]).isEmpty)
        #expect(rules.aliasCandidates(for: "1.5.0-rc.1").isEmpty)
        #expect(rules.aliases(for: "1.4.3", among: ["1.5.0-rc.1", "1.4.2"]) == ["1.4", "1", "latest"])
        // Prefixes keep their own aliases; latest spans both.
        #expect(rules.aliases(for: "v2.0.0", among: ["1.4.2"]) == ["v2.0", "v2", "latest"])
        #expect(rules.aliases(for: "1.9.0", among: ["v2.0.0", "1.4.2"]) == ["1.9", "1"])
        #expect(rules.aliasCandidates(for: "v1.2.3") == ["v1.2", "v1", "latest"])
        // Out of order: an older version pushed last moves nothing it should not.
        #expect(rules.aliases(for: "1.0.0", among: ["1.0.1", "1.1.0"]).isEmpty)
        #expect(TagRules(latestAlias: true).aliases(for: "3.0.0", among: ["2.0.0"]) == ["latest"])
        #expect(TagRules(semverAliases: true).aliases(for: "3.0.0", among: []) == ["3.0", "3"])
    }

    @Test func patternsAndValidation() {
        #expect(TagPattern("semver")!.matches("1.2.3-rc.1"))
        #expect(!TagPattern("semver")!.matches("1.2"))
        #expect(TagPattern("semver-sha")!.matches("1.2.3-abc1234"))
        #expect(!TagPattern("semver-sha")!.matches("1.2.3-rc.1"))
        #expect(TagPattern("sha")!.matches("0123abc") && !TagPattern("sha")!.matches("0123ab") && !TagPattern("sha")!.matches("0123ABC"))
        #expect(TagPattern("glob:release-*")!.matches("release-7"))
        #expect(TagPattern("regex:nightly-[0-9]{8}")!.matches("nightly-20261201"))
        #expect(!TagPattern("regex:nightly-[0-9]{8}")!.matches("xnightly-20261201"))
        #expect(TagPattern("regex:(") == nil && TagPattern("bogus") == nil && TagPattern("glob:[") == nil)
        #expect(TagRules(allowed: ["semver", "bogus"]).problem?.contains("bogus") == true)
        #expect(TagRules(movable: ["aliases", "latest", "release-*"]).problem == nil)
        #expect(TagRules(forbidOnly: [""]).problem != nil)
        #expect(TagRules.isAlias("1") && TagRules.isAlias("v1.4") && !TagRules.isAlias("1.4.2") && !TagRules.isAlias("latest"))
    }
}
