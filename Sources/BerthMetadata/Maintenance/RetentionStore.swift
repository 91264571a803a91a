import Foundation
import OCI

/// An artifact as retention sees it: a manifest that is neither a child of
/// an index nor a referrer (those follow their parent or subject).
public struct ArtifactRecord: Sendable, Equatable {
    public let repository: String
    public let digest: Digest
    public let tags: [String]
    /// When it was pushed, or one of its tags last moved onto it.
    public let pushedAt: Date
    /// When it was last pulled, if ever.
    public let pulledAt: Date?

    public init(repository: String, digest: Digest, tags: [String], pushedAt: Date, pulledAt: Date?) {
        (self.repository, self.digest, self.tags, self.pushedAt, self.pulledAt) = (repository, digest, tags, pushedAt, pulledAt)
    }
}

public protocol RetentionStore: Sendable {
    /// The project's retention policy as JSON, if it has one.
    func retentionPolicy(of project: String) async throws -> String?
    /// Sets (or with nil removes) a project's retention policy.
    func setRetentionPolicy(_ policy: String?, of project: String) async throws
    /// Every project with a policy, and the policy.
    func retentionPolicies() async throws -> [(project: String, policy: String)]
    /// The artifacts of a project's repositories.
    func artifacts(inProject project: String) async throws -> [ArtifactRecord]
    /// Records when manifests (repository and digest, as text) were last pulled.
    func recordPulls(_ pulls: [(repository: String, digest: String, at: Date)]) async throws
    /// The blobs `repository` may read that none of its manifests references.
    func unreferencedBlobs(in repository: String) async throws -> [Digest]
}
