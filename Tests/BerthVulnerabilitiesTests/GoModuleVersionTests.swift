import Testing
@testable import BerthVulnerabilities

/// The ascending list of golang.org/x/mod/semver's semver_test.go, and pseudo-versions as
/// defined by the Go modules reference.
struct GoModuleVersionTests {
    static let xmodAscending = [
        "v1.0.0-alpha", "v1.0.0-alpha.1", "v1.0.0-alpha.beta", "v1.0.0-beta", "v1.0.0-beta.2",
        "v1.0.0-beta.11", "v1.0.0-rc.1", "v1.0.0", "v1.2.0", "v1.2.3-456", "v1.2.3-456.789",
        "v1.2.3-456-789", "v1.2.3-456a", "v1.2.3-pre", "v1.2.3-pre.1", "v1.2.3-zzz", "v1.2.3",
    ]

    @Test(arguments: adjacentPairs(xmodAscending))
    func xmodOrder(_ lower: String, _ higher: String) {
        expectAscending(.go, lower, higher)
    }

    @Test(arguments: [
        ("v0.0.0-20191109021931-daa7c04131f5", "v0.0.0-20200101000000-aaaaaaaaaaaa"),
        ("v0.0.0-20200101000000-aaaaaaaaaaaa", "v0.1.0"),
        ("v1.2.3", "v1.2.4-0.20191109021931-daa7c04131f5"),
        ("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4-0.20201109021931-0123456789ab"),
        ("v1.2.4-0.20201109021931-0123456789ab", "v1.2.4"),
        ("v1.2.3-pre", "v1.2.3-pre.0.20191109021931-daa7c04131f5"),
        ("v1.2.3-pre.0.20191109021931-daa7c04131f5", "v1.2.3"),
        ("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4-alpha"),
        ("v2.0.0+incompatible", "v2.0.1+incompatible"),
        ("v1.9.9", "v2.0.0+incompatible"),
        ("1.2.3", "v1.2.4"),
    ])
    func pseudoVersionOrder(_ lower: String, _ higher: String) {
        expectAscending(.go, lower, higher)
    }

    @Test(arguments: [
        ("v1", "v1.0.0"),
        ("v1.0", "v1.0.0"),
        ("v1.2", "v1.2.0"),
        ("v1.2.3-pre+meta", "v1.2.3-pre"),
        ("v1.2.3+meta", "v1.2.3"),
        ("v1.2.3+meta-pre", "v1.2.3"),
        ("v1.2.3+meta-pre.sha.256a", "v1.2.3"),
        ("v2.0.0+incompatible", "v2.0.0"),
        ("1.2.3", "v1.2.3"),
    ])
    func equivalent(_ a: String, _ b: String) {
        expectEquivalent(.go, a, b)
    }

    @Test(arguments: [
        "bad", "v1-alpha.beta.gamma", "v1-pre", "v1+meta", "v1-pre+meta", "v1.2-pre",
        "v1.2+meta", "v1.2-pre+meta", "v01.2.3", "v1.02.3", "v1.2.03", "v1.2.3-01",
        "v1.2.3-pre.01", "V1.2.3", "v1.2.3.4", "", "v",
    ])
    func rejected(_ text: String) {
        expectInvalid(.go, text)
    }
}
