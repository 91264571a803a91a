/// A Go module version, ordered as `golang.org/x/mod/semver.Compare` orders valid versions.
///
/// Go advisories range over module versions, including pseudo-versions such as
/// `v0.0.0-20191109021931-daa7c04131f5` or `v1.2.4-0.20191109021931-daa7c04131f5`. Those are
/// ordinary SemVer pre-releases whose identifiers begin with a UTC timestamp, so plain SemVer
/// precedence already orders them by commit time and before the release they precede.
/// `+incompatible` is build metadata and so is ignored. Go's stricter syntax (no leading
/// zeros; `v1`/`v1.2` shorthands only without suffixes) is enforced, but the leading `v`
/// that Go requires is optional because advisory feeds sometimes drop it.
struct GoModuleVersion: Comparable, Sendable {
    let semver: SemanticVersion

    init?(_ text: String) {
        guard let bytes = VersionText.boundedBytes(text),
              let semver = SemanticVersion(bytes: bytes, strict: true) else { return nil }
        self.semver = semver
    }

    static func < (a: GoModuleVersion, b: GoModuleVersion) -> Bool { a.semver < b.semver }
    static func == (a: GoModuleVersion, b: GoModuleVersion) -> Bool { a.semver == b.semver }
}
