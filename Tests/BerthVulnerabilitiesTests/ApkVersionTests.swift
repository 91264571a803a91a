import Testing
@testable import BerthVulnerabilities

/// Cases from apk-tools' test/unit/version.data and the suffix order of version.c.
struct ApkVersionTests {
    @Test(arguments: [
        ("1.2.3_rc1", "1.2.3"),
        ("1.2.3", "1.2.3-r1"),
        ("1.2.3-r1", "1.2.3-r5"),
        ("1.2.3-r5", "1.2.3_p1"),
        ("0.1.0_alpha", "2.34"),
        ("0.1.0_alpha", "0.1.3_alpha"),
        ("0.1.0_alpha", "0.1.0_alpha2"),
        ("1.1_alpha1", "1.1"),
        ("1.2", "1.2.1"),
        ("0.8_beta1", "0.8_beta2"),
        ("2.3.0b-r1", "2.3.0b-r2"),
        ("1.06-r6", "006"),
        ("1.0.8", "1.2.1"),
        ("2.5.1-r8", "2.5.1a-r1"),
        ("1.7", "1.7b"),
        ("1.8.5", "1.8.5_p2"),
        ("0.1.0_alpha_pre2", "0.1.0_alpha"),
        ("1.0_p9-r0", "1.0_p10-r0"),
        ("1.0.0_pre20191002222144-r0", "1.0.0_pre20210530193627-r0"),
        ("2.9.11_pre20051101", "2.9.11_pre20051101-r3"),
        ("4.5_p1", "4.5_p1-r1"),
        ("1.2.12.04", "1.2.12.05"),
        ("1.01", "1.1"),
        ("1.2a", "1.2.1"),
        ("1.0", "1.0~1234abcd"),
    ])
    func ordered(_ lower: String, _ higher: String) {
        expectAscending(.apk, lower, higher)
    }

    /// Every suffix, in apk's order around the plain release.
    @Test func suffixOrder() {
        let chain = ["1.0_alpha", "1.0_beta", "1.0_pre", "1.0_rc", "1.0", "1.0_cvs",
                     "1.0_svn", "1.0_git", "1.0_hg", "1.0_p"]
        for (lower, higher) in adjacentPairs(chain) {
            expectAscending(.apk, lower, higher)
        }
    }

    @Test(arguments: [
        ("0.1.0_alpha", "0.1.0_alpha"),
        ("2.16.1-r3", "2.16.1-r3"),
        ("01.2", "1.2"),
        ("1.2-r01", "1.2-r1"),
        ("1.0_rc01", "1.0_rc1"),
    ])
    func equivalent(_ a: String, _ b: String) {
        expectEquivalent(.apk, a, b)
    }

    @Test(arguments: [
        "", "0.1bc", "0.1a1", "0.1a.1", "0.1_pre2~", "0.1_pre2~1234xbcd", "0.1_foobar",
        "0.1-pre1.1", "0.1-r", "0.1-r2_pre1", "0.1-r2-r3", ".1", "a", "_pre1", "-r1",
        "0.1_", "0.1__alpha", "0.1_1_alpha", "1.2A", "1.0~ABCD", "1.0-1",
    ])
    func rejected(_ text: String) {
        expectInvalid(.apk, text)
    }
}
