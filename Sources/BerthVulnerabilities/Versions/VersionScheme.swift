/// The version orderings that OSV `ECOSYSTEM` ranges rely on.
///
/// OSV deliberately leaves "ECOSYSTEM" ordering to each ecosystem's own tools, so a matcher
/// that compared versions with one generic rule would put `1.0~rc1` after `1.0` on Debian or
/// `1.0.dev1` after `1.0a1` on PyPI and misreport whether a package is inside a range.
public enum VersionScheme: String, Sendable, CaseIterable {
    case dpkg, apk, rpm, pep440, semver, go, maven

    /// Orders two versions of this scheme: negative, zero or positive.
    ///
    /// Returns nil when either string is not a version of this scheme (or is empty or longer
    /// than 256 characters) so that callers can tell "cannot decide" apart from "older": a
    /// vulnerability matcher must not guess on malformed input from an image.
    public func compare(_ a: String, _ b: String) -> Int? {
        guard let a = parse(a), let b = parse(b) else { return nil }
        return a.compare(b)
    }

    /// The version read once, to be compared many times (a range's events
    /// against an installed version); nil when it is not one of this scheme.
    public func parse(_ text: String) -> ParsedVersion? {
        switch self {
        case .dpkg: return DpkgVersion(text).map(ParsedVersion.dpkg)
        case .apk: return ApkVersion(text).map(ParsedVersion.apk)
        case .rpm: return RpmVersion(text).map(ParsedVersion.rpm)
        case .pep440: return PEP440Version(text).map(ParsedVersion.pep440)
        case .semver: return SemanticVersion(text).map(ParsedVersion.semver)
        case .go: return GoModuleVersion(text).map(ParsedVersion.go)
        case .maven: return MavenVersion(text).map(ParsedVersion.maven)
        }
    }

    /// The scheme for an OSV `affected[].package.ecosystem` value, or nil when unknown.
    ///
    /// OSV appends releases and variants after a colon ("Debian:12", "Ubuntu:Pro:22.04",
    /// "Alpine:v3.20"); they never change the ordering, so only the part before the first
    /// colon decides. NuGet is left out on purpose: its four-part, case-insensitive rules
    /// are not SemVer 2.0.0 and guessing would misplace ranges.
    public static func forEcosystem(_ osvEcosystem: String) -> VersionScheme? {
        let base = osvEcosystem.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            .first.map(String.init) ?? osvEcosystem
        switch base {
        case "Debian", "Ubuntu":
            return .dpkg
        case "Alpine", "Wolfi", "Chainguard":
            return .apk
        case "Red Hat", "Rocky Linux", "AlmaLinux", "openSUSE", "SUSE":
            return .rpm
        case "PyPI":
            return .pep440
        case "npm", "crates.io":
            return .semver
        case "Go":
            return .go
        case "Maven":
            return .maven
        default:
            return nil
        }
    }

}

/// A version parsed by its scheme.
public struct ParsedVersion: Sendable {
    fileprivate let value: Value

    fileprivate enum Value: Sendable {
        case dpkg(DpkgVersion), apk(ApkVersion), rpm(RpmVersion), pep440(PEP440Version), semver(SemanticVersion), go(GoModuleVersion)
        case maven(MavenVersion)
    }

    fileprivate static func dpkg(_ v: DpkgVersion) -> Self { Self(value: .dpkg(v)) }
    fileprivate static func apk(_ v: ApkVersion) -> Self { Self(value: .apk(v)) }
    fileprivate static func rpm(_ v: RpmVersion) -> Self { Self(value: .rpm(v)) }
    fileprivate static func pep440(_ v: PEP440Version) -> Self { Self(value: .pep440(v)) }
    fileprivate static func semver(_ v: SemanticVersion) -> Self { Self(value: .semver(v)) }
    fileprivate static func go(_ v: GoModuleVersion) -> Self { Self(value: .go(v)) }
    fileprivate static func maven(_ v: MavenVersion) -> Self { Self(value: .maven(v)) }

    /// Negative, zero or positive; nil when the two were parsed by different schemes.
    public func compare(_ other: ParsedVersion) -> Int? {
        switch (value, other.value) {
        case let (.dpkg(a), .dpkg(b)): return Self.order(a, b)
        case let (.apk(a), .apk(b)): return Self.order(a, b)
        case let (.rpm(a), .rpm(b)): return Self.order(a, b)
        case let (.pep440(a), .pep440(b)): return Self.order(a, b)
        case let (.semver(a), .semver(b)): return Self.order(a, b)
        case let (.go(a), .go(b)): return Self.order(a, b)
        case let (.maven(a), .maven(b)): return Self.order(a, b)
        default: return nil
        }
    }

    private static func order<V: Comparable>(_ a: V, _ b: V) -> Int {
        if a < b { return -1 }
        return b < a ? 1 : 0
    }
}
