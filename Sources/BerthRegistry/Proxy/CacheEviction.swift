import BerthMetadata
import BerthPolicies
import Foundation
import Logging
import OCI
import Synchronization

/// Keeps each pull-through cache project within its `proxy.max_bytes`.
/// When it holds more, the artifacts pulled least recently (cached least
/// recently, when never pulled) go, tags and all, until it holds 90 % of
/// the limit: a cache hovering at its limit does not evict on every fill.
/// The blobs no cached manifest needs any more stop counting at once;
/// garbage collection reclaims their bytes later, as for any deletion.
///
/// It runs after each blob a project caches and, for what other nodes
/// cached, once a minute. Two nodes evicting at once cost at most an
/// artifact more than needed: each deletion stands alone.
public final class CacheEviction: Sendable {
    let upstreams: Upstreams
    let metadata: any MetadataStore
    let rules: any RetentionStore
    /// The node's own content (deletions through it drop what caches remember).
    let content: any RegistryContent
    let metrics: ProxyMetrics
    let logger: Logger
    /// Projects being checked, and whether another check was asked for meanwhile.
    private let running = Mutex<[String: Bool]>([:])

    static let lowWater = 0.9
    /// Bounds one run; the next continues.
    static let mostPerRun = 10_000

    public init(
        upstreams: Upstreams, metadata: any MetadataStore, rules: any RetentionStore, content: any RegistryContent, metrics: ProxyMetrics,
        logger: Logger
    ) {
        (self.upstreams, self.metadata, self.rules, self.content, self.metrics, self.logger) = (upstreams, metadata, rules, content, metrics, logger)
    }

    /// Checks `project` soon, in the background: one check at a time per
    /// project, and one more after it when asked again meanwhile.
    public func nudge(_ project: String) {
        let start = running.withLock { running -> Bool in
            if running[project] != nil {
                running[project] = true
                return false
            }
            running[project] = false
            return true
        }
        guard start else { return }
        Task {
            repeat {
                do {
                    _ = try await enforce(project)
                } catch {
                    logger.warning("the cache could not be brought within its limit", metadata: ["project": "\(project)", "error": "\(error)"])
                }
            } while running.withLock { running in
                if running[project] == true {
                    running[project] = false
                    return true
                }
                running[project] = nil
                return false
            }
        }
    }

    /// Evicts from `project` what puts it over its limit; the artifacts evicted.
    public func enforce(_ project: String) async throws -> Int {
        guard let limit = try await upstreams.binding(of: project)?.maxBytes else { return 0 }
        var used = try await metadata.projectBytes(project)
        guard used > limit else { return 0 }
        let target = Int64(Double(limit) * Self.lowWater)
        let oldestFirst = try await rules.artifacts(inProject: project).sorted {
            ($0.pulledAt ?? $0.pushedAt, $0.repository, $0.digest.description) < ($1.pulledAt ?? $1.pushedAt, $1.repository, $1.digest.description)
        }
        let before = used
        var evicted = 0
        for artifact in oldestFirst where used > target && evicted < Self.mostPerRun {
            let repository = try RepositoryName(parsing: artifact.repository)
            // An immutability rule keeps what it protects, in a cache too.
            if try await content.deletionRefusal(repository, .digest(artifact.digest)) != nil { continue }
            let event = RegistryEvent(
                .retentionDeleted, actor: .system, repository: repository, digest: artifact.digest,
                detail: "evicted: the cache held \(used) bytes of its \(limit)")
            // An index's images go with it: another cached index that names one fetches it again when asked, as any miss.
            let children = try await metadata.manifest(repository, .digest(artifact.digest)).flatMap {
                try? Manifest(parsing: [UInt8]($0.content), contentType: $0.mediaType).manifests.map(\.digest)
            } ?? []
            do {
                try await content.deleteManifest(repository, .digest(artifact.digest), recording: [event])
            } catch let error as RegistryError where error.code == .manifestUnknown || error.code == .denied {
                continue  // deleted or protected meanwhile
            }
            for child in children where try await metadata.tags(repository, pointingAt: child).isEmpty {
                try? await content.deleteManifest(repository, .digest(child), recording: [])
            }
            for digest in try await rules.unreferencedBlobs(in: repository.value) {
                _ = try await metadata.unlinkBlob(repository, digest, events: [])
            }
            evicted += 1
            used = try await metadata.projectBytes(project)
        }
        metrics.evicted(evicted)
        logger.info(
            "cache brought within its limit", metadata: [
                "project": "\(project)", "evicted": "\(evicted)", "bytes_before": "\(before)", "bytes_after": "\(used)", "limit": "\(limit)",
            ])
        return evicted
    }
}
