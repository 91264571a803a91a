import Testing
@testable import BerthVulnerabilities

/// Cases from maven-artifact's ComparableVersionTest (Maven 3.9 line).
struct MavenVersionTests {
    static let versionsQualifier = [
        "1-alpha2snapshot", "1-alpha2", "1-alpha-123", "1-beta-2", "1-beta123", "1-m2", "1-m11",
        "1-rc", "1-cr2", "1-rc123", "1-SNAPSHOT", "1", "1-sp", "1-sp2", "1-sp123", "1-abc",
        "1-def", "1-pom-1", "1-1-snapshot", "1-1", "1-2", "1-123",
    ]

    static let versionsNumber = [
        "2.0", "2.0.a", "2-1", "2.0.2", "2.0.123", "2.1.0", "2.1-a", "2.1b", "2.1-c", "2.1-1",
        "2.1.0.1", "2.2", "2.123", "11.a2", "11.a11", "11.b2", "11.b11", "11.m2", "11.m11", "11",
        "11.a", "11b", "11c", "11m",
    ]

    /// Maven checks every pair of these lists, not only neighbours.
    @Test(arguments: [versionsQualifier, versionsNumber])
    func testSuiteLists(_ ascending: [String]) {
        for i in ascending.indices {
            for j in ascending.indices where j > i {
                expectAscending(.maven, ascending[i], ascending[j])
            }
        }
    }

    @Test(arguments: [
        ("1", "2"),
        ("1.5", "2"),
        ("1", "2.5"),
        ("1.0", "1.1"),
        ("1.1", "1.2"),
        ("1.0.0", "1.1"),
        ("1.0.1", "1.1"),
        ("1.1", "1.2.0"),
        ("1.0-alpha-1", "1.0"),
        ("1.0-alpha-1", "1.0-alpha-2"),
        ("1.0-alpha-1", "1.0-beta-1"),
        ("1.0-beta-1", "1.0-SNAPSHOT"),
        ("1.0-SNAPSHOT", "1.0"),
        ("1.0-alpha-1-SNAPSHOT", "1.0-alpha-1"),
        ("1.0", "1.0-1"),
        ("1.0-1", "1.0-2"),
        ("1.0.0", "1.0-1"),
        ("2.0-1", "2.0.1"),
        ("2.0.1-klm", "2.0.1-lmn"),
        ("2.0.1", "2.0.1-xyz"),
        ("2.0.1", "2.0.1-123"),
        ("2.0.1-xyz", "2.0.1-123"),
        ("0.7", "2"),
        ("0.2", "1.0.7"),
        // MNG-5568
        ("6.1.0rc3", "6.1.0"),
        ("6.1.0rc3", "6.1H.5-beta"),
        ("6.1.0", "6.1H.5-beta"),
        // MNG-6572
        ("20190126.230843", "1234567890.12345"),
        ("1234567890.12345", "123456789012345.1H.5-beta"),
        ("123456789012345.1H.5-beta", "12345678901234567890.1H.5-beta"),
        // MNG-6964
        ("1-0.alpha", "1"),
        ("1-0.beta", "1"),
        ("1-0.alpha", "1-0.beta"),
        // MNG-7644
        ("1.0.0.RC1", "1.0.0-RC2"),
        ("1.0.0.abc1", "1.0.0-abc2"),
        ("1.0.0.m1", "1.0.0-m2"),
    ])
    func ordered(_ lower: String, _ higher: String) {
        expectAscending(.maven, lower, higher)
    }

    @Test(arguments: [
        ("1", "1"), ("1", "1.0"), ("1", "1.0.0"), ("1.0", "1.0.0"), ("1", "1-0"), ("1", "1.0-0"),
        ("1.0", "1.0-0"), ("1a", "1-a"), ("1a", "1.0-a"), ("1a", "1.0.0-a"), ("1.0a", "1-a"),
        ("1.0.0a", "1-a"), ("1x", "1-x"), ("1x", "1.0-x"), ("1x", "1.0.0-x"), ("1.0x", "1-x"),
        ("1.0.0x", "1-x"), ("1ga", "1"), ("1release", "1"), ("1final", "1"), ("1cr", "1rc"),
        ("1a1", "1-alpha-1"), ("1b2", "1-beta-2"), ("1m3", "1-milestone-3"), ("1X", "1x"),
        ("1A", "1a"), ("1B", "1b"), ("1M", "1m"), ("1Ga", "1"), ("1GA", "1"), ("1RELEASE", "1"),
        ("1RELeaSE", "1"), ("1Final", "1"), ("1FINAL", "1"), ("1Cr", "1Rc"), ("1m3", "1MILESTONE3"),
        ("2-abc", "2.0.abc"), ("2-abc", "2.0.0.abc"), ("2-RC", "2.0.0.RC"),
        ("1-abcdefghijklmnopqrstuvwxyz", "1-ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
        ("0000000000000000001", "1"), ("00000000000000000000", "0"),
        ("1.0.0-final", "1.0.0"), ("1.0-ga", "1.0.0-GA"),
    ])
    func equivalent(_ a: String, _ b: String) {
        expectEquivalent(.maven, a, b)
    }

    /// Maven orders any string; only the length guard rejects input.
    @Test func anyTextIsAVersion() {
        #expect(VersionScheme.maven.compare("aardvark", "zebra") == -1)
        #expect(VersionScheme.maven.compare("7", "J") == 1)
        #expect(VersionScheme.maven.compare("...---...", "1") != nil)
        #expect(VersionScheme.maven.compare("", "1") == nil)
    }
}
