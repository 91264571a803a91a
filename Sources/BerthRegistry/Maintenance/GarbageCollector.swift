import BerthMetadata
import BerthStorage
import Foundation
import Logging
import OCI

/// Online mark-and-sweep garbage collection: no read-only mode.
///
/// Mark: manifests that are tagged, or children of a live index, or
/// referrers of a live subject, stay, and so does every manifest and blob
/// younger than the grace period (a push in flight uploads blobs and child
/// manifests before the manifest or tag that references them). Without
/// `deleteUntagged`, every manifest without a subject stays too, so only
/// referrers whose subject is gone are manifest garbage.
///
/// Sweep: each manifest and blob is removed in its own re-checking
/// transaction; blob bytes are removed with `BlobStore.delete(_:unless:)`,
/// which hands them back if an upload claimed the digest meanwhile.
public struct GarbageCollector: Sendable {
    public struct Options: Sendable {
        public var dryRun: Bool
        public var deleteUntagged: Bool
        public var grace: TimeInterval

        public init(dryRun: Bool = false, deleteUntagged: Bool = false, grace: TimeInterval = 3600) {
            self.dryRun = dryRun
            self.deleteUntagged = deleteUntagged
            self.grace = grace
        }
    }

    public struct Report: Sendable, Codable, Equatable {
        public var dryRun: Bool
        public var manifestsDeleted = 0
        public var blobsDeleted = 0
        public var bytesFreed: Int64 = 0
        /// Blob files with no index entry (left by a crash between a write and its commit).
        public var orphanFilesDeleted = 0
        public var durationSeconds = 0.0

        /// A dry run's counts say what it would do (`blobs_would_delete`,
        /// `bytes_would_free`), never what it did not.
        struct Key: CodingKey {
            let stringValue: String
            init(stringValue: String) { self.stringValue = stringValue }
            var intValue: Int? { nil }
            init?(intValue: Int) { nil }
            static let dryRun = Key(stringValue: "dry_run"), duration = Key(stringValue: "duration_seconds")
            static func count(_ what: String, dryRun: Bool) -> Key {
                Key(stringValue: what == "bytes" ? (dryRun ? "bytes_would_free" : "bytes_freed") : what + (dryRun ? "_would_delete" : "_deleted"))
            }
        }

        public init(dryRun: Bool) { self.dryRun = dryRun }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(dryRun, forKey: .dryRun)
            try container.encode(manifestsDeleted, forKey: .count("manifests", dryRun: dryRun))
            try container.encode(blobsDeleted, forKey: .count("blobs", dryRun: dryRun))
            try container.encode(bytesFreed, forKey: .count("bytes", dryRun: dryRun))
            try container.encode(orphanFilesDeleted, forKey: .count("orphan_files", dryRun: dryRun))
            try container.encode(durationSeconds, forKey: .duration)
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            dryRun = try container.decode(Bool.self, forKey: .dryRun)
            manifestsDeleted = try container.decode(Int.self, forKey: .count("manifests", dryRun: dryRun))
            blobsDeleted = try container.decode(Int.self, forKey: .count("blobs", dryRun: dryRun))
            bytesFreed = try container.decode(Int64.self, forKey: .count("bytes", dryRun: dryRun))
            orphanFilesDeleted = try container.decode(Int.self, forKey: .count("orphan_files", dryRun: dryRun))
            durationSeconds = try container.decode(Double.self, forKey: .duration)
        }
    }

    let blobs: any BlobStore
    let store: any GarbageCollectionStore
    let logger: Logger

    public init(blobs: any BlobStore, store: any GarbageCollectionStore, logger: Logger) {
        self.blobs = blobs
        self.store = store
        self.logger = logger
    }

    public func run(_ options: Options) async throws -> Report {
        let started = ContinuousClock.now
        let cutoff = Date().addingTimeInterval(-options.grace)
        var report = Report(dryRun: options.dryRun)

        let graph = try await store.manifestGraph()
        let dead = Self.unreachable(graph, cutoff: cutoff, untaggedToo: options.deleteUntagged)
        report.manifestsDeleted = options.dryRun
            ? dead.count : try await deleteManifests(dead, olderThan: cutoff, untaggedToo: options.deleteUntagged)

        let deadSet = Set(dead)
        let referenced = Set(graph.filter { !deadSet.contains($0) }.flatMap(\.blobs))
        let indexed = try await store.indexedBlobs()
        let candidates = indexed.filter { $0.linkedAt < cutoff && !referenced.contains($0.digest) }
        if options.dryRun {
            report.blobsDeleted = candidates.count
            report.bytesFreed = candidates.reduce(0) { $0 + $1.size }
        } else {
            for batch in stride(from: 0, to: candidates.count, by: 500).map({ candidates[$0..<min($0 + 500, candidates.count)] }) {
                for blob in try await store.forgetUnreferencedBlobs(batch.map(\.digest), linkedBefore: cutoff) {
                    if try await removeBytes(blob.digest) {
                        report.blobsDeleted += 1
                        report.bytesFreed += blob.size
                    }
                }
            }
        }

        let known = Set(indexed.map(\.digest))
        for file in try await blobs.blobs() where file.modified < cutoff && !known.contains(file.digest) {
            if options.dryRun {
                report.orphanFilesDeleted += 1
            } else if try await removeBytes(file.digest) {
                report.orphanFilesDeleted += 1
            }
        }

        if !options.dryRun, report.manifestsDeleted + report.blobsDeleted > 0 {
            try await store.bumpContentEpoch()
        }
        let elapsed = ContinuousClock.now - started
        report.durationSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        logger.notice(
            "garbage collection finished",
            metadata: [
                "dry_run": "\(options.dryRun)", "manifests": "\(report.manifestsDeleted)", "blobs": "\(report.blobsDeleted)",
                "bytes": "\(report.bytesFreed)", "orphan_files": "\(report.orphanFilesDeleted)",
                "seconds": "\(String(format: "%.3f", report.durationSeconds))",
            ])
        return report
    }

    /// Deletes what is still garbage; returns how many. Referrers of
    /// referrers and children of deleted indexes pass their re-check only
    /// once their parent is gone, so they go in later passes.
    private func deleteManifests(_ dead: [ManifestNode], olderThan cutoff: Date, untaggedToo: Bool) async throws -> Int {
        var deleted = 0
        var garbage = dead
        for _ in 0..<8 where !garbage.isEmpty {
            var left: [ManifestNode] = []
            for node in garbage {
                if try await store.deleteGarbageManifest(node, olderThan: cutoff, untaggedToo: untaggedToo) {
                    deleted += 1
                } else {
                    left.append(node)
                }
            }
            if left.count == garbage.count { break }
            garbage = left
        }
        return deleted
    }

    /// Settles what a crash mid-removal left set aside: blobs a link or an
    /// upload still claims go back, the rest is removed. Entries younger
    /// than `settledAfter` may be a removal in progress elsewhere (`berth gc`,
    /// another node) and are left for a later pass.
    public func recoverTrash(settledAfter: TimeInterval = 600, now: Date = Date()) async throws -> TrashRecovery {
        let recovery = try await blobs.recoverTrash(setAsideBefore: now.addingTimeInterval(-settledAfter)) { [store] digest in
            try await store.blobIsClaimed(digest)
        }
        if !recovery.restored.isEmpty || recovery.removed > 0 {
            logger.notice("settled blobs left set aside", metadata: [
                "restored": "\(recovery.restored.map(\.description))", "removed": "\(recovery.removed)",
            ])
        }
        return recovery
    }

    private func removeBytes(_ digest: Digest) async throws -> Bool {
        try await blobs.delete(digest, unless: { [store] in try await store.blobIsClaimed(digest) })
    }

    /// The manifests no root reaches, among those older than `cutoff`.
    static func unreachable(_ graph: [ManifestNode], cutoff: Date, untaggedToo: Bool) -> [ManifestNode] {
        struct Key: Hashable { let repository: String, digest: Digest }
        var byKey: [Key: ManifestNode] = [:]
        var referrers: [Key: [ManifestNode]] = [:]
        for node in graph {
            byKey[Key(repository: node.repository, digest: node.digest)] = node
            if let subject = node.subject { referrers[Key(repository: node.repository, digest: subject), default: []].append(node) }
        }
        var live = Set<Key>()
        var pending = graph.filter { $0.tagged || $0.createdAt >= cutoff || ($0.subject == nil && !untaggedToo) }
        while let node = pending.popLast() {
            let key = Key(repository: node.repository, digest: node.digest)
            guard live.insert(key).inserted else { continue }
            for child in node.childManifests {
                if let childNode = byKey[Key(repository: node.repository, digest: child)] { pending.append(childNode) }
            }
            pending.append(contentsOf: referrers[key] ?? [])
        }
        return graph.filter { !live.contains(Key(repository: $0.repository, digest: $0.digest)) }
    }
}
