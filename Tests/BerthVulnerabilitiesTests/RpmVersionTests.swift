import Testing
@testable import BerthVulnerabilities

/// Cases from rpm's tests/rpmvercmp.at, plus EVR splitting as rpm's parseEVR does it.
struct RpmVersionTests {
    @Test(arguments: [
        ("1.0", "2.0"),
        ("2.0", "2.0.1"),
        ("2.0.1", "2.0.1a"),
        ("5.5p1", "5.5p2"),
        ("5.5p1", "5.5p10"),
        ("10xyz", "10.1xyz"),
        ("xyz10", "xyz10.1"),
        ("xyz.4", "8"),
        ("xyz.4", "2"),
        ("5.5p2", "5.6p1"),
        ("6.0", "6.0.rc1"),
        ("10a2", "10b2"),
        ("1.0a", "1.0aa"),
        ("10.0001", "10.0039"),
        ("4.999.9", "5.0"),
        ("20101121", "20101122"),
        ("1.0~rc1", "1.0"),
        ("1.0~rc1", "1.0~rc2"),
        ("1.0~rc1~git123", "1.0~rc1"),
        ("1.0", "1.0^"),
        ("1.0", "1.0^git1"),
        ("1.0^git1", "1.0^git2"),
        ("1.0^git1", "1.01"),
        ("1.0^20160101", "1.0.1"),
        ("1.0^20160101^git1", "1.0^20160102"),
        ("1.0~rc1", "1.0~rc1^git1"),
        ("1.0^git1~pre", "1.0^git1"),
        ("1.0a", "1.0.1"),
    ])
    func rpmvercmpOrder(_ lower: String, _ higher: String) {
        expectAscending(.rpm, lower, higher)
    }

    @Test(arguments: [
        ("1.0", "1.0"),
        ("10.0001", "10.1"),
        ("2.0", "2_0"),
        ("a+", "a_"),
        ("+a", "_a"),
        ("_+", "+_"),
        ("+", "_"),
        ("1.0^", "1.0^"),
        ("1.0~rc1^git1", "1.0~rc1^git1"),
        ("0:1.0-1", "1.0-1"),
        ("1.0-1.el9", "1.0-1.el9"),
    ])
    func equivalent(_ a: String, _ b: String) {
        expectEquivalent(.rpm, a, b)
    }

    @Test(arguments: [
        ("1.0-1", "1.0-2"),
        ("2.0-1", "1:1.0-1"),
        ("1:1.0-1", "2:0.1-1"),
        ("1.0-1.el8", "1.0-1.el9"),
        ("1.0", "1.0-1"),
        ("3.2.1-5.el9_2", "3.2.1-5.el9_3"),
        ("0:4.18.0-305.el8", "0:4.18.0-348.el8"),
        ("1.0-1~beta", "1.0-1"),
    ])
    func evrOrder(_ lower: String, _ higher: String) {
        expectAscending(.rpm, lower, higher)
    }

    @Test func evrSplitting() throws {
        let v = try #require(RpmVersion("7:1.2-3-4.el9"))
        #expect(v.epoch == Array("7".utf8))
        #expect(String(decoding: v.version, as: UTF8.self) == "1.2-3")
        #expect(v.release.map { String(decoding: $0, as: UTF8.self) } == "4.el9")
        // A colon not preceded by digits only is not an epoch separator.
        let w = try #require(RpmVersion("a:1.0"))
        #expect(w.epoch.isEmpty)
        #expect(String(decoding: w.version, as: UTF8.self) == "a:1.0")
    }

    @Test(arguments: ["", "1.0-", "1:", "-1", "1.0 1", "1.0\u{00e9}", "1.0\t"])
    func rejected(_ text: String) {
        expectInvalid(.rpm, text)
    }
}
