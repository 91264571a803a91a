import Testing
@testable import BerthVulnerabilities

/// Cases from dpkg's own test suite (lib/dpkg/t/t-version.c) and Debian policy §5.6.12.
struct DpkgVersionTests {
    @Test(arguments: [
        ("1.0~rc1", "1.0"),
        ("2.0", "1:0.1"),
        ("1.0-1", "1.0-2"),
        ("1.0a", "1.0+"),
        ("1.0~~", "1.0~~a"),
        ("1.0~~a", "1.0~"),
        ("1.0~", "1.0"),
        ("1.0", "1.0a"),
        ("1.0", "1.0.0"),
        ("1.0", "1.0-1"),
        ("1.2.3", "1.2.10"),
        ("2.4", "2.30"),
        ("1.0-1", "1.0-1ubuntu1"),
        ("1.0-1ubuntu1", "1.0-1ubuntu1.1"),
        ("1:9.9", "2:1.0"),
        ("1.0", "1.0+dfsg"),
        ("1.0+dfsg-1", "1.0.1-1"),
        ("0.9", "1.0"),
        ("1.0-1~bpo1", "1.0-1"),
        ("7.6p2-4", "7.6p10-1"),
        ("1.0-a", "1.0-b"),
        ("1.2-3-1", "1.2-4-1"),
        ("1.0.0+git20200101", "1.0.0+git20210101"),
        ("99999999999999999999999999999999999999.0", "100000000000000000000000000000000000000.0"),
    ])
    func ordered(_ lower: String, _ higher: String) {
        expectAscending(.dpkg, lower, higher)
    }

    @Test(arguments: [
        ("1.0", "1.0"),
        ("0:1.0", "1.0"),
        ("1.0", "1.0-0"),
        ("1.0", "1.00"),
        ("1.0", "01.0"),
        ("000:1.0", "1.0"),
        (" 1.0 ", "1.0"),
        ("1.0-00", "1.0"),
    ])
    func equivalent(_ a: String, _ b: String) {
        expectEquivalent(.dpkg, a, b)
    }

    @Test(arguments: [
        "", "1.0-", ":1.0", "a:1.0", "1:", "1.18.36:5.4", "1.0 2", "1.0_1", "1.0-1_2",
        "99999999999:1.0", "1.0\u{00e9}", "-1",
    ])
    func rejected(_ text: String) {
        expectInvalid(.dpkg, text)
    }

    @Test func revisionAfterLastHyphen() throws {
        let version = try #require(DpkgVersion("1:2.0-rc1-3"))
        #expect(String(decoding: version.upstream, as: UTF8.self) == "2.0-rc1")
        #expect(String(decoding: version.revision, as: UTF8.self) == "3")
        #expect(version.epoch == Array("1".utf8))
    }
}
