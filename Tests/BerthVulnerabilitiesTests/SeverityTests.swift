import Foundation
import Testing
@testable import BerthVulnerabilities

@Suite struct CVSS3Tests {
    /// Vectors with the base scores NVD / the FIRST calculator publish for them.
    @Test(arguments: [
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0),
        ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N", 5.5),
        ("CVSS:3.0/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 3.1),
        ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:N/A:N", 6.8),  // CVE-2020-28498 (schema example)
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),  // typical reflected XSS
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5),
        ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 8.8),
        ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9),
        ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N", 5.3),
        ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H", 8.1),
        ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:L/I:N/A:N", 4.3),
        ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N", 6.5),
        ("CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:N/I:N/A:H", 4.7),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 8.8),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0),
        ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
        // Temporal / environmental metrics are validated but do not change the base score.
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C", 9.8),
        ("CVSS:3.1/S:U/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H/CR:H/MAV:L", 9.8),  // any order
    ])
    func baseScore(vector: String, expected: Double) {
        #expect(CVSS3.baseScore(vector) == expected)
    }

    @Test func roundUpFollowsEachVersion() {
        // v3.1 Appendix A: floating-point noise must not bump the score.
        #expect(CVSS3.roundUp31(4.000000000000001) == 4.0)
        #expect(CVSS3.roundUp31(4.02) == 4.1)
        #expect(CVSS3.roundUp31(4.0) == 4.0)
        // v3.0: the literal "smallest one-decimal number ≥ input".
        #expect(CVSS3.roundUp30(4.000000000000001) == 4.1)
        #expect(CVSS3.roundUp30(4.02) == 4.1)
    }

    @Test(arguments: [
        "", "CVSS:3.1", "CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",  // missing A
        "CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",  // duplicate
        "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",  // bad value
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/",  // trailing slash
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:Y",  // unknown metric
        "CVSS:3.1/AV:N:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "cvss:3.1/av:n/ac:l/pr:n/ui:n/s:u/c:h/i:h/a:h",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        "AV:N/AC:L/Au:N/C:P/I:P/A:P",  // CVSS v2
    ])
    func malformedVectorsAreNil(vector: String) {
        #expect(CVSS3.baseScore(vector) == nil)
    }

    @Test func garbageNeverCrashes() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("CVSS:3.1/AVNLHPURCXEMSI0.:/")
        for _ in 0..<2000 {
            let length = Int.random(in: 0..<80, using: &generator)
            let s = String((0..<length).map { _ in alphabet.randomElement(using: &generator) ?? "/" })
            _ = CVSS3.baseScore(s)
            _ = CVSS4.score(s)
        }
        _ = CVSS3.baseScore(String(repeating: "CVSS:3.1/", count: 10_000))
    }
}

@Suite struct CVSS4Tests {
    /// Scores from FIRST's CVSS v4.0 reference calculator (cvss40.js). The implementation was
    /// also checked against it on 5,000 random vectors with threat/environmental metrics.
    @Test(arguments: [
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3),
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N", 5.1),  // schema.md example
        ("CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 8.5),
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 10.0),
        ("CVSS:4.0/AV:N/AC:H/AT:P/PR:L/UI:P/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", 2.1),
        ("CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:L/VA:L/SC:L/SI:L/SA:L", 1.0),
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N", 5.3),
        ("CVSS:4.0/AV:A/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N", 7.1),
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", 0.0),
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U", 8.1),
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:L/SC:N/SI:N/SA:N/E:A/MAV:A", 8.7),
    ])
    func score(vector: String, expected: Double) {
        #expect(CVSS4.score(vector) == expected)
    }

    @Test(arguments: [
        "CVSS:4.0",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N",  // missing SA
        "CVSS:4.0/AC:L/AV:N/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",  // out of order
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A/E:A",  // duplicate
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MAV:N/E:A",  // optional out of order
        "CVSS:4.0/AV:X/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:S/SI:N/SA:N",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/",
        "CVSS:4.1/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    ])
    func malformedVectorsAreNil(vector: String) {
        #expect(CVSS4.score(vector) == nil)
    }

    @Test func lookupTableHasEveryPossibleMacroVector() {
        // 3·2·3·3·3·2 combinations minus the 3·2·3·3 impossible eq3=2/eq6=0 ones.
        #expect(CVSS4.lookup.count == 270)
    }
}

@Suite struct SeverityLevelTests {
    @Test func qualitativeScale() {
        let cases: [(Double, SeverityLevel)] = [
            (0.0, .low), (0.1, .low), (3.9, .low), (4.0, .medium), (6.9, .medium),
            (7.0, .high), (8.9, .high), (9.0, .critical), (10.0, .critical),
            (-1, .unknown), (10.1, .unknown), (.nan, .unknown), (.infinity, .unknown),
        ]
        for (score, level) in cases {
            #expect(SeverityLevel(cvssScore: score) == level, "\(score)")
        }
    }

    @Test func ordering() {
        #expect(SeverityLevel.allCases.sorted() == [.unknown, .low, .medium, .high, .critical])
        #expect(SeverityLevel.high >= .medium)
    }

    @Test func databaseLabels() {
        #expect(SeverityLevel(databaseLabel: "LOW") == .low)
        #expect(SeverityLevel(databaseLabel: "moderate") == .medium)
        #expect(SeverityLevel(databaseLabel: " Medium ") == .medium)
        #expect(SeverityLevel(databaseLabel: "HIGH") == .high)
        #expect(SeverityLevel(databaseLabel: "Critical") == .critical)
        #expect(SeverityLevel(databaseLabel: "UNKNOWN") == nil)
        #expect(SeverityLevel(databaseLabel: "") == nil)
    }

    private let v3Critical = OSVSeverity(type: "CVSS_V3", score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
    private let v4Low = OSVSeverity(type: "CVSS_V4", score: "CVSS:4.0/AV:N/AC:H/AT:P/PR:L/UI:P/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N")
    private let broken = OSVSeverity(type: "CVSS_V3", score: "CVSS:3.1/AV:N/oops")

    @Test func derivationOrder() {
        // v3 wins over v4.
        let both = OSVRecord(id: "A", modified: "m", severity: [v4Low, v3Critical])
        #expect(both.severityLevel() == .critical)
        // v4 alone.
        #expect(OSVRecord(id: "A", modified: "m", severity: [v4Low]).severityLevel() == .low)
        // Malformed vector falls through to database_specific.
        let fallback = OSVRecord(id: "A", modified: "m", severity: [broken], databaseSpecificSeverity: "MODERATE")
        #expect(fallback.severityLevel() == .medium)
        // CVSS_V2 is not scored.
        let v2 = OSVRecord(id: "A", modified: "m", severity: [OSVSeverity(type: "CVSS_V2", score: "AV:N/AC:L/Au:N/C:C/I:C/A:C")],
                           databaseSpecificSeverity: "HIGH")
        #expect(v2.severityLevel() == .high)
        // Nothing usable.
        #expect(OSVRecord(id: "A", modified: "m", severity: [broken]).severityLevel() == .unknown)
        // A valid 0.0 vector is authoritative: low, no fallback.
        let none = OSVRecord(id: "A", modified: "m",
                             severity: [OSVSeverity(type: "CVSS_V3", score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N")],
                             databaseSpecificSeverity: "CRITICAL")
        #expect(none.severityLevel() == .low)
    }

    @Test func packageLevelComesFirst() {
        let affected = OSVAffected(package: OSVPackage(ecosystem: "npm", name: "x"), severity: [v4Low],
                                   databaseSpecificSeverity: "CRITICAL")
        let record = OSVRecord(id: "A", modified: "m", affected: [affected], databaseSpecificSeverity: "LOW")
        #expect(record.severityLevel(for: affected) == .low)  // package CVSS beats package label
        let labelled = OSVAffected(package: nil, databaseSpecificSeverity: "CRITICAL")
        let r2 = OSVRecord(id: "A", modified: "m", affected: [labelled], databaseSpecificSeverity: "LOW")
        #expect(r2.severityLevel(for: labelled) == .critical)
        #expect(r2.severityLevel() == .low)
        #expect(r2.maximumSeverityLevel == .critical)
    }
}
