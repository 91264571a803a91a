import Foundation

/// A package found in an image, as matching needs it (and as a scan keeps
/// it, one row each, so that a database update finds the artifacts it
/// concerns with an index rather than by reading every report).
public struct InstalledPackage: Sendable, Hashable, Codable {
    /// The OSV ecosystem of the package: `Debian:12`, `Alpine:v3.20`, `PyPI`, `npm`, …
    public let ecosystem: String
    public let name: String
    public let version: String
    /// The source package (dpkg's `Source:`, apk's origin): Debian and
    /// Alpine advisories name source packages, not binary ones.
    public let source: String?

    public init(ecosystem: String, name: String, version: String, source: String? = nil) {
        (self.ecosystem, self.name, self.version, self.source) = (ecosystem, name, version, source)
    }
}

/// One vulnerability of one installed package as its artifact's report
/// keeps it: the key a rematch replaces it by, and the finding's JSON.
public struct StoredFinding: Sendable, Equatable {
    public let ecosystem: String
    public let package: String
    public let version: String
    public let id: String
    /// The external scanner that reported it; nil: Berth's own (only those are matched again).
    public let scanner: String?
    public let severity: String
    public let json: String

    public init(ecosystem: String, package: String, version: String, id: String, scanner: String?, severity: String, json: String) {
        (self.ecosystem, self.package, self.version, self.id, self.scanner, self.severity, self.json) =
            (ecosystem, package, version, id, scanner, severity, json)
    }
}
