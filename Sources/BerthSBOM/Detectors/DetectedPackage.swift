/// A package found in an image, ready for OSV matching.
public struct DetectedPackage: Sendable, Hashable {
    /// OSV ecosystem name, e.g. "Debian:12", "PyPI", "npm".
    public var ecosystem: String
    public var name: String
    public var version: String
    /// Source package (dpkg `Source`, apk origin) when the ecosystem has one.
    public var source: String?
    public var sourceVersion: String?
    /// Image path of the file the package was read from.
    public var location: String
    public var purl: String

    public init(ecosystem: String, name: String, version: String, source: String? = nil,
                sourceVersion: String? = nil, location: String, purl: String) {
        self.ecosystem = ecosystem
        self.name = name
        self.version = version
        self.source = source
        self.sourceVersion = sourceVersion
        self.location = location
        self.purl = purl
    }
}

/// The image's operating system, from os-release.
public struct Distribution: Sendable, Hashable {
    /// os-release `ID`, e.g. "debian".
    public var id: String
    /// os-release `VERSION_ID`, e.g. "12" or "3.20.3".
    public var versionID: String?
    /// OSV ecosystem for OS packages, nil when unknown.
    public var ecosystem: String?

    public init(id: String, versionID: String?, ecosystem: String?) {
        self.id = id
        self.versionID = versionID
        self.ecosystem = ecosystem
    }
}

/// Limits applied to untrusted file contents.
enum Limits {
    static let maxPackages = 100_000
    static let maxLine = 64 << 10
}
