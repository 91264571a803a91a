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
        switch self {
        case .dpkg: return Self.order(DpkgVersion(a), DpkgVersion(b))
        case .apk: return Self.order(ApkVersion(a), ApkVersion(b))
        case .rpm: return Self.order(RpmVersion(a), RpmVersion(b))
        case .pep440: return Self.order(PEP440Version(a), PEP440Version(b))
        case .semver: return Self.order(SemanticVersion(a), SemanticVersion(b))
        case .go: return Self.order(GoModuleVersion(a), GoModuleVersion(b))
        case .maven: return Self.order(MavenVersion(a), MavenVersion(b))
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

    private static func order<V: Comparable>(_ a: V?, _ b: V?) -> Int? {
        guard let a, let b else { return nil }
        if a < b { return -1 }
        return b < a ? 1 : 0
    }
}
