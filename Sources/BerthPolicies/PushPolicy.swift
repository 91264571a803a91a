import BerthMetadata
import OCI

/// A rule a push must pass before anything is committed. Policies are
/// registered in order (`pushPolicies` in `Server.init`, one line each);
/// the first to throw refuses the push, with a `RegistryError` (`DENIED`)
/// that names the policy and its rule. Each requirement has a default that
/// admits, so a policy implements only the moments it cares about.
public protocol PushPolicy: Sendable {
    /// Bytes about to become readable through `repository` (an upload of
    /// declared size, a monolithic push, a mount): `digest` when known.
    /// `size` may cost I/O; ask it only when needed.
    func admitBlob(into repository: RepositoryName, digest: Digest?, size: @Sendable () async throws -> Int64) async throws

    /// A manifest about to be stored in `repository`, tagged `tag` when
    /// pushed by tag. What depends on the state at commit time (whether the
    /// tag would move) goes back as a condition the commit checks atomically.
    func admitManifest(_ manifest: Manifest, tag: Tag?, into repository: RepositoryName) async throws -> PushConditions

    /// Tags about to disappear from `repository` (a tag deleted, or a
    /// manifest deleted with its tags; retention asks the same).
    func admitDeletion(of tags: [String], from repository: RepositoryName) async throws
}

extension PushPolicy {
    public func admitBlob(into repository: RepositoryName, digest: Digest?, size: @Sendable () async throws -> Int64) async throws {}
    public func admitManifest(_ manifest: Manifest, tag: Tag?, into repository: RepositoryName) async throws -> PushConditions { .init() }
    public func admitDeletion(of tags: [String], from repository: RepositoryName) async throws {}
}

/// What a manifest push must still satisfy when it commits, and what the
/// policies learned on the way.
public struct PushConditions: Sendable {
    /// Thrown by the commit if the tag would move to another digest.
    public var refusingMove: RegistryError?
    /// The project's usage after the push, when it has a quota.
    public var quota: QuotaUsage?
    /// Tags that move with the pushed one (semver aliases).
    public var aliases: TagAliases?

    public init(refusingMove: RegistryError? = nil, quota: QuotaUsage? = nil, aliases: TagAliases? = nil) {
        self.refusingMove = refusingMove
        self.quota = quota
        self.aliases = aliases
    }

    /// Both sets of conditions: the first refusal, usage and aliases win.
    public func merged(with other: PushConditions) -> PushConditions {
        PushConditions(refusingMove: refusingMove ?? other.refusingMove, quota: quota ?? other.quota, aliases: aliases ?? other.aliases)
    }
}

/// A rule a manifest must pass before it is served. Registered in order
/// (`pullPolicies` of `ContentService`); the first to throw refuses the pull
/// with its error, which names the policy and its rule. A policy may depend
/// on state computed elsewhere (a scan still running): it decides itself,
/// by its own per-project setting, what to answer meanwhile.
public protocol PullPolicy: Sendable {
    func admitPull(of manifest: StoredManifest, from repository: RepositoryName, reference: Reference) async throws
}

/// Who is pulling, as far as pull policies may ask: set by the HTTP layer
/// from the caller's verified permissions, never from a header.
public enum PullCaller {
    /// The caller holds the `scan` permission on the repository (a scanner's
    /// robot, or a token issued for one): the vulnerability policy lets it
    /// read what it must scan.
    @TaskLocal public static var isScanner = false
}

extension Array where Element == any PushPolicy {
    /// Runs the chain, in order, on bytes about to enter `repository`.
    public func admitBlob(into repository: RepositoryName, digest: Digest?, size: @Sendable () async throws -> Int64) async throws {
        for policy in self { try await policy.admitBlob(into: repository, digest: digest, size: size) }
    }
}
