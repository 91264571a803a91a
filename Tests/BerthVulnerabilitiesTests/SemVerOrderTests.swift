import Testing
@testable import BerthVulnerabilities

/// SemVer 2.0.0 §11's precedence examples, plus the leniency npm and crates.io data needs.
struct SemVerOrderTests {
    static let specPrecedence = [
        "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
        "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0",
    ]

    @Test(arguments: adjacentPairs(specPrecedence))
    func specExampleOrder(_ lower: String, _ higher: String) {
        expectAscending(.semver, lower, higher)
    }

    @Test(arguments: [
        ("1.0.0", "2.0.0"),
        ("2.0.0", "2.1.0"),
        ("2.1.0", "2.1.1"),
        ("1.9.0", "1.10.0"),
        ("1.10.0", "1.11.0"),
        ("0.0.1", "0.1.0"),
        ("1.0.0-2", "1.0.0-10"),
        ("1.0.0-a10", "1.0.0-a2"),
        ("1.0.0-rc.1", "1.0.0-rc.1.1"),
        ("1.0.0-999", "1.0.0-a"),
        ("1.0.0-A", "1.0.0-a"),
        ("1.0.0-x.y", "1.0.0-x-y"),
        ("1.2.3", "v1.2.4"),
        ("1.0.0-alpha+zzz", "1.0.0-alpha.0+aaa"),
        ("99999999999999999999.0.0", "100000000000000000000.0.0"),
        ("1.0.0-99999999999999999999", "1.0.0-100000000000000000000"),
    ])
    func ordered(_ lower: String, _ higher: String) {
        expectAscending(.semver, lower, higher)
    }

    @Test(arguments: [
        ("1.0.0", "1.0.0"),
        ("1.0.0", "v1.0.0"),
        ("1.0.0", "1.0.0+20130313144700"),
        ("1.0.0-alpha+001", "1.0.0-alpha"),
        ("1.0.0-beta+exp.sha.5114f85", "1.0.0-beta+other"),
        ("01.002.0003", "1.2.3"),
        ("1.0.0-01", "1.0.0-1"),
        ("1.2", "1.2.0"),
        ("1", "1.0.0"),
    ])
    func equivalent(_ a: String, _ b: String) {
        expectEquivalent(.semver, a, b)
    }

    @Test(arguments: [
        "", "a.b.c", "1.2.3.4", "1.0.0-", "1.0.0-alpha..1", "1.0.0+", "1.0.0+a..b",
        "1.0.0-al pha", " 1.0.0", "1.0.0-\u{00e9}", "1..0", ".1.0", "v", "1.0.0-+x",
    ])
    func rejected(_ text: String) {
        expectInvalid(.semver, text)
    }
}
