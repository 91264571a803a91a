import Testing
@testable import BerthVulnerabilities

struct VersionSchemeTests {
    @Test(arguments: [
        ("Debian", VersionScheme.dpkg), ("Debian:12", .dpkg), ("Ubuntu", .dpkg),
        ("Ubuntu:22.04", .dpkg), ("Ubuntu:Pro:22.04:LTS", .dpkg),
        ("Alpine", .apk), ("Alpine:v3.20", .apk), ("Wolfi", .apk), ("Chainguard", .apk),
        ("Red Hat", .rpm), ("Red Hat:enterprise_linux:9::appstream", .rpm), ("Rocky Linux", .rpm),
        ("Rocky Linux:9", .rpm), ("AlmaLinux", .rpm), ("AlmaLinux:9", .rpm),
        ("openSUSE", .rpm), ("openSUSE:Leap 15.5", .rpm), ("SUSE", .rpm),
        ("SUSE:Linux Enterprise Server 15 SP5", .rpm),
        ("PyPI", .pep440), ("npm", .semver), ("crates.io", .semver), ("Go", .go), ("Maven", .maven),
    ])
    func knownEcosystems(_ name: String, _ scheme: VersionScheme) {
        #expect(VersionScheme.forEcosystem(name) == scheme)
    }

    @Test(arguments: ["NuGet", "", ":Debian", "debian", "Packagist", "RubyGems", "Hex", "Pub", "GIT"])
    func unknownEcosystems(_ name: String) {
        #expect(VersionScheme.forEcosystem(name) == nil)
    }

    static let hostile: [String] = [
        "", " ", "\0", "\u{0}1.0", "1.0\u{0}", "💥", "1.0💥", "é.1", "\u{301}1",
        String(repeating: "1", count: 40),
        "1." + String(repeating: "9", count: 40),
        String(repeating: "9", count: 40) + ":" + String(repeating: "9", count: 40),
        String(repeating: "1.", count: 128),
        String(repeating: "-", count: 256),
        String(repeating: "-1", count: 128),
        String(repeating: "a-", count: 128),
        String(repeating: "~", count: 256),
        String(repeating: "^", count: 256),
        String(repeating: "+", count: 256),
        String(repeating: "_", count: 256),
        String(repeating: "é", count: 256),
        String(repeating: "1", count: 300),
        String(repeating: "a", count: 300),
        String(repeating: "é", count: 300),
        String(repeating: "1.0-", count: 75),
        "v" + String(repeating: "0", count: 255),
        "1!" + String(repeating: "9", count: 40) + ".0",
        "1.0+" + String(repeating: "9", count: 40),
        "1.0-" + String(repeating: "9", count: 40),
        "1.0_p" + String(repeating: "9", count: 40),
        "1.0-r" + String(repeating: "9", count: 40),
        "1.0~" + String(repeating: "f", count: 200),
        "v0.0.0-" + String(repeating: "9", count: 40) + "-abc",
        "1.0.0-" + String(repeating: "0", count: 40),
        "1.0." + String(repeating: "0", count: 40) + "1",
        "1:", ":", "!", "+", "-", ".", "~", "^", "_", "v", "1..", "..1", "--1", "1--",
    ]

    /// Whatever the input, every scheme returns nil or a well-formed answer that is
    /// antisymmetric and reflexive; none of this may trap.
    @Test(arguments: VersionScheme.allCases)
    func hostileInputNeverCrashes(_ scheme: VersionScheme) {
        let others = Self.hostile + ["1.0", "1.0.0", "1", "0", "v1.0.0"]
        for a in Self.hostile {
            for b in others {
                let forward = scheme.compare(a, b)
                let backward = scheme.compare(b, a)
                #expect((forward == nil) == (backward == nil))
                if let forward, let backward {
                    #expect([-1, 0, 1].contains(forward))
                    #expect(forward == -backward, "\(scheme): \(a) vs \(b)")
                }
            }
            if let same = scheme.compare(a, a) { #expect(same == 0) }
        }
    }

    @Test(arguments: VersionScheme.allCases)
    func overlongAndEmptyInputIsRejected(_ scheme: VersionScheme) {
        let long = String(repeating: "1", count: 300)
        let longDotted = String(repeating: "1.", count: 150)
        let widest = String(repeating: "1", count: 256)
        #expect(scheme.compare(long, "1") == nil)
        #expect(scheme.compare("1", longDotted) == nil)
        #expect(scheme.compare("", "1") == nil)
        #expect(scheme.compare("1", "") == nil)
        // 256 characters is still accepted where the scheme's syntax allows it.
        if scheme != .semver && scheme != .go {
            #expect(scheme.compare(widest, "1") == 1)
        }
    }

    /// Forty-digit components exceed Int64; they must still compare numerically.
    @Test(arguments: [VersionScheme.dpkg, .apk, .rpm, .pep440, .maven])
    func fortyDigitNumbersCompareNumerically(_ scheme: VersionScheme) {
        let big = String(repeating: "9", count: 40)
        let bigger = "1" + String(repeating: "0", count: 40)
        expectAscending(scheme, "1." + big, "1." + bigger)
        expectAscending(scheme, big, bigger)
        expectAscending(scheme, "2", big)
        expectEquivalent(scheme, big, big)
    }

    @Test(arguments: [VersionScheme.semver, .go])
    func fortyDigitSemVer(_ scheme: VersionScheme) {
        let big = String(repeating: "9", count: 40)
        let bigger = "1" + String(repeating: "0", count: 40)
        expectAscending(scheme, "v\(big).0.0", "v\(bigger).0.0")
        expectAscending(scheme, "v1.0.0-\(big)", "v1.0.0-\(bigger)")
    }
}
