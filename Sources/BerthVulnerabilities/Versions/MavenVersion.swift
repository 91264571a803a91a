/// A Maven artifact version, ordered as Maven's `ComparableVersion` orders it.
///
/// Maven accepts any string as a version and orders it by splitting it into numbers,
/// qualifiers and nested lists, with well-known qualifiers (`alpha < beta < milestone < rc <
/// snapshot < "" = ga = final = release < sp`, unknown ones after) and rules such as
/// `1.0.X2 < 1.0-X3` and `1-ga == 1`. OSV Maven ranges only make sense with that exact order,
/// so this ports `org.apache.maven.artifact.versioning.ComparableVersion` as released in the
/// Maven 3.9 line (including MNG-6964 and MNG-7644) rather than approximating it with SemVer.
/// Maven 4's reworked "combination" items are not followed: 3.9 is what resolves artifacts
/// today and what the POM reference documents.
struct MavenVersion: Comparable, Sendable {
    let items: [MavenItem]

    init?(_ text: String) {
        guard VersionText.isAcceptable(text) else { return nil }
        items = MavenParser.parse(text)
    }

    static func compare(_ a: MavenVersion, _ b: MavenVersion) -> Int {
        VersionText.sign(MavenItem.list(a.items).compare(to: .list(b.items)))
    }

    static func < (a: MavenVersion, b: MavenVersion) -> Bool { compare(a, b) < 0 }
    static func == (a: MavenVersion, b: MavenVersion) -> Bool { compare(a, b) == 0 }
}
