import Foundation

public struct ImageSubject: Sendable {
    public let repository: String
    public let digest: String /* sha256:… */
    public let platform: String? /* linux/amd64 */
    public let created: Date

    public init(repository: String, digest: String, platform: String?, created: Date) {
        self.repository = repository
        self.digest = digest
        self.platform = platform
        self.created = created
    }
}

/// Media types of the SBOM documents produced by `SBOMDocument`.
public enum SBOMMediaType {
    public static let cycloneDX = "application/vnd.cyclonedx+json"
    public static let spdx = "application/spdx+json"
}

/// Namespace for the SBOM document generators (`cycloneDX(...)`, `spdx(...)`).
public enum SBOMDocument {
    /// Maximum number of packages written into one document; the rest is dropped
    /// and the truncation is recorded in the document.
    public static let maxPackages = 100_000
}
