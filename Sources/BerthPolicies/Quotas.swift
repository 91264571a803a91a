import BerthMetadata
import Foundation
import OCI
import Synchronization

/// Where project quotas are kept.
public protocol ProjectQuotaSource: Sendable {
    /// The quota of `project` in bytes; nil when unlimited or no such project.
    func quotaBytes(ofProject project: String) async throws -> Int64?
}

extension SQLAccountStore: ProjectQuotaSource {
    public func quotaBytes(ofProject project: String) async throws -> Int64? {
        try await self.project(named: project)?.quotaBytes
    }
}

/// A project's usage against its quota after a push.
public struct QuotaUsage: Sendable, Equatable {
    public let project: String
    public let usedBytes: Int64
    public let limitBytes: Int64

    /// At or past `warnAt` of the quota (a fraction).
    public func isNearLimit(warnAt: Double) -> Bool { Double(usedBytes) >= Double(limitBytes) * warnAt }
}

/// Storage quotas per project, counted as the registry counts
/// `projectBytes`: each blob once however many of the project's
/// repositories share it. Manifests are not counted (they are small and
/// live in the database).
public final class QuotaEnforcer: Sendable {
    let source: any ProjectQuotaSource
    let usage: any MetadataStore
    /// Quotas remembered for a short while: every push asks.
    private let remembered = Mutex<[String: (limit: Int64?, until: ContinuousClock.Instant)]>([:])
    static let rememberFor: Duration = .seconds(2)

    public init(source: any ProjectQuotaSource, usage: any MetadataStore) {
        self.source = source
        self.usage = usage
    }

    /// Refuses with `DENIED` when adding `bytes` (of blob `digest`, when
    /// known) to the project of `repository` would pass its quota. A blob
    /// the project holds already adds nothing. Exactly at the quota is allowed.
    /// `bytes` is asked only when the project has a quota (it may cost I/O).
    public func check(_ repository: RepositoryName, digest: Digest?, adding bytes: () async throws -> Int64) async throws {
        let project = repository.project
        guard let limit = try await limit(of: project) else { return }
        if let digest, try await usage.projectHasBlob(project, digest) { return }
        let bytes = try await bytes()
        let used = try await usage.projectBytes(project)
        // Client-declared sizes reach here: a sum past Int64 is past any quota.
        let (total, overflow) = used.addingReportingOverflow(bytes)
        if overflow || total > limit { throw Self.exceeded(project, used: used, adding: bytes, limit: limit) }
    }

    /// Refuses with `DENIED` when the project already holds more than its
    /// quota (blobs whose size was unknown until they were committed).
    public func checkWithin(_ repository: RepositoryName) async throws -> QuotaUsage? {
        let project = repository.project
        guard let limit = try await limit(of: project) else { return nil }
        let used = try await usage.projectBytes(project)
        if used > limit { throw Self.exceeded(project, used: used, adding: 0, limit: limit) }
        return QuotaUsage(project: project, usedBytes: used, limitBytes: limit)
    }

    /// Forgets a remembered quota, after it changed.
    public func forget(_ project: String) {
        remembered.withLock { _ = $0.removeValue(forKey: project) }
    }

    private func limit(of project: String) async throws -> Int64? {
        let now = ContinuousClock.now
        if let entry = remembered.withLock({ $0[project] }), entry.until > now { return entry.limit }
        let limit = try await source.quotaBytes(ofProject: project)
        remembered.withLock {
            if $0.count > 10_000 { $0.removeAll() }
            $0[project] = (limit, now + Self.rememberFor)
        }
        return limit
    }

    public static func exceeded(_ project: String, used: Int64, adding: Int64, limit: Int64) -> RegistryError {
        RegistryError(
            .denied,
            "quota exceeded: project \(project) holds \(used) bytes of its \(limit); this push adds \(adding)",
            detail: ["project": project, "used": "\(used)", "limit": "\(limit)"])
    }
}

/// On the push chain: bytes of declared size are refused before they are
/// read; at manifest commit, the blobs whose size was unknown are counted.
extension QuotaEnforcer: PushPolicy {
    public func admitBlob(into repository: RepositoryName, digest: Digest?, size: @Sendable () async throws -> Int64) async throws {
        try await check(repository, digest: digest, adding: size)
    }

    public func admitManifest(_ manifest: Manifest, tag: Tag?, into repository: RepositoryName) async throws -> PushConditions {
        PushConditions(quota: try await checkWithin(repository))
    }
}
