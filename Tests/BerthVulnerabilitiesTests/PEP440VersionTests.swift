import Testing
@testable import BerthVulnerabilities

/// The ordering example of PEP 440 ("Summary of permitted suffixes and relative ordering"),
/// plus normalisation cases from the PEP and from `packaging`'s tests.
struct PEP440VersionTests {
    static let pepOrdering = [
        "1.0.dev456", "1.0a1", "1.0a2.dev456", "1.0a12.dev456", "1.0a12", "1.0b1.dev456",
        "1.0b2", "1.0b2.post345.dev456", "1.0b2.post345", "1.0rc1.dev456", "1.0rc1", "1.0",
        "1.0+abc.5", "1.0+abc.7", "1.0+5", "1.0.post456.dev34", "1.0.post456", "1.0.15",
        "1.1.dev1",
    ]

    @Test(arguments: adjacentPairs(pepOrdering))
    func pepExampleOrder(_ lower: String, _ higher: String) {
        expectAscending(.pep440, lower, higher)
    }

    @Test func pepExampleIsTransitive() {
        let list = Self.pepOrdering
        for i in list.indices {
            for j in list.indices where j > i {
                expectAscending(.pep440, list[i], list[j])
            }
        }
    }

    @Test(arguments: [
        ("1.0", "1!0.1"),
        ("1!1.0", "2!0.1"),
        ("1.0.post1", "1.0.1"),
        ("1.0a1", "1.0b1"),
        ("1.0b1", "1.0rc1"),
        ("1.0c1", "1.0rc2"),
        ("1.0.dev1", "1.0.dev2"),
        ("1.0+abc", "1.0+abc.1"),
        ("1.0+abc", "1.0+abd"),
        ("1.0+9", "1.0+10"),
        ("1.9", "1.10"),
        ("1.0.post1.dev1", "1.0.post1"),
        ("1.0.dev1", "1.0a1.dev1"),
        ("1.0", "1.0.post0"),
        ("1.0", "1.0.0.1"),
    ])
    func ordered(_ lower: String, _ higher: String) {
        expectAscending(.pep440, lower, higher)
    }

    @Test(arguments: [
        ("1.0", "1.0.0"),
        ("1.0", "1.0.0.0.0"),
        ("1.0", "v1.0"),
        ("1.0", "V1.0"),
        ("1.0", " 1.0\n"),
        ("1.0", "0!1.0"),
        ("1.0a1", "1.0alpha1"),
        ("1.0a1", "1.0.a.1"),
        ("1.0a1", "1.0-a-1"),
        ("1.0a1", "1.0_a_1"),
        ("1.0a1", "1.0A1"),
        ("1.0b2", "1.0beta2"),
        ("1.0rc1", "1.0c1"),
        ("1.0rc1", "1.0pre1"),
        ("1.0rc1", "1.0preview1"),
        ("1.0rc1", "1.0RC1"),
        ("1.0a0", "1.0a"),
        ("1.0.post1", "1.0-1"),
        ("1.0.post1", "1.0post1"),
        ("1.0.post1", "1.0.rev1"),
        ("1.0.post1", "1.0r1"),
        ("1.0.post1", "1.0-post-1"),
        ("1.0.post0", "1.0.post"),
        ("1.0.dev0", "1.0.dev"),
        ("1.0.dev0", "1.0-dev"),
        ("1.0+ubuntu.1", "1.0+ubuntu-1"),
        ("1.0+ubuntu.1", "1.0+Ubuntu_1"),
        ("1.0+1", "1.0+01"),
        ("01.02", "1.2"),
        ("1.0a0.post1", "1.0a--1"),
    ])
    func equivalent(_ a: String, _ b: String) {
        expectEquivalent(.pep440, a, b)
    }

    @Test(arguments: [
        "", "abc", "1.0+", "1.0+a..b", "1.0.", "1..0", "1.0-", "1.0a1a", "1.0 .1",
        "1.0+abc+def", "1.0.dev1.post1", "1.0-dev-dev", "!1.0", "1.0\u{00e9}", "v", "1.0+_a",
    ])
    func rejected(_ text: String) {
        expectInvalid(.pep440, text)
    }
}
