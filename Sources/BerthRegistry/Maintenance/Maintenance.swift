import BerthMetadata
import Foundation
import Logging
import OCI
import Synchronization

/// Runs the registry's background jobs on demand or on schedule, one of a
/// kind at a time on this node, and keeps every run's report.
public final class Maintenance: Sendable {
    public let collector: GarbageCollector
    let runs: any JobRunStore
    let leases: any JobLeaseStore
    /// This node, as lease holder.
    let node = UUID().uuidString.lowercased()
    /// A lease lasts this long unless renewed (every third of it while the job runs).
    static let leaseDuration: TimeInterval = 60
    let content: any RegistryContent
    let retention: any RetentionStore
    public let metrics: JobMetrics
    /// Called after content was removed, so caches drop what they remember.
    let contentRemoved: @Sendable () -> Void
    private let running = Mutex<Set<String>>([])
    /// Runs kept per job and project.
    static let runsKept = 50

    public init(
        collector: GarbageCollector, runs: any JobRunStore, leases: any JobLeaseStore, content: any RegistryContent,
        retention: any RetentionStore, metrics: JobMetrics, contentRemoved: @escaping @Sendable () -> Void
    ) {
        self.collector = collector
        self.runs = runs
        self.leases = leases
        self.content = content
        self.retention = retention
        self.metrics = metrics
        self.contentRemoved = contentRemoved
    }

    /// `slot`: the scheduled time this run is for; on a shared database only
    /// one node runs it (`JobSkipped` on the others).
    public func collectGarbage(_ options: GarbageCollector.Options, slot: Date? = nil) async throws -> GarbageCollector.Report {
        let report = try await exclusively("gc", project: "", dryRun: options.dryRun, slot: slot) {
            try await collector.run(options)
        }
        metrics.add("berth_gc_runs_total", labels: "dry_run=\"\(options.dryRun)\"")
        if !options.dryRun {
            metrics.add("berth_gc_deleted_total", labels: "kind=\"manifest\"", Int64(report.manifestsDeleted))
            metrics.add("berth_gc_deleted_total", labels: "kind=\"blob\"", Int64(report.blobsDeleted + report.orphanFilesDeleted))
            metrics.add("berth_gc_bytes_freed_total", report.bytesFreed)
            // Orphan files were never indexed, so never cached.
            if report.manifestsDeleted + report.blobsDeleted > 0 { contentRemoved() }
        }
        return report
    }

    /// Recent runs of `kind` for `project`, newest first.
    public func recentRuns(kind: String, project: String = "", limit: Int = 20) async throws -> [JobRun] {
        try await runs.runs(kind: kind, project: project, limit: limit)
    }

    /// Runs `job` unless one of the same kind and project is running, here
    /// or (for runs that change anything) on another node sharing the
    /// database, and records its outcome.
    func exclusively<Report: Encodable & Sendable>(
        _ kind: String, project: String, dryRun: Bool, slot: Date? = nil, _ job: () async throws -> Report
    ) async throws -> Report {
        let key = kind + "/" + project
        guard running.withLock({ $0.insert(key).inserted }) else {
            throw RegistryError(.unsupported, "a \(kind) run is already in progress", status: 409)
        }
        defer { running.withLock { _ = $0.remove(key) } }
        if dryRun { return try await recorded(kind, project: project, dryRun: dryRun, job) }
        switch try await leases.acquireLease(
            job: key, holder: node, slot: slot ?? Date(), expires: Date().addingTimeInterval(Self.leaseDuration))
        {
        case .acquired: break
        case .done: throw JobSkipped(retryLater: false)
        case .heldElsewhere:
            if slot != nil { throw JobSkipped(retryLater: true) }
            throw RegistryError(.unsupported, "a \(kind) run is in progress on another node", status: 409)
        }
        let renewal = Task { [leases, node] in
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(Self.leaseDuration / 3))
                try await leases.renewLease(job: key, holder: node, expires: Date().addingTimeInterval(Self.leaseDuration))
            }
        }
        defer { renewal.cancel() }
        // A run that failed is done too: the next scheduled time tries again.
        do {
            let report = try await recorded(kind, project: project, dryRun: dryRun, job)
            try? await leases.releaseLease(job: key, holder: node)
            return report
        } catch {
            try? await leases.releaseLease(job: key, holder: node)
            throw error
        }
    }

    private func recorded<Report: Encodable & Sendable>(
        _ kind: String, project: String, dryRun: Bool, _ job: () async throws -> Report
    ) async throws -> Report {
        let started = Date()
        let id = UUID().uuidString.lowercased()
        do {
            let report = try await job()
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            try await record(JobRun(
                id: id, kind: kind, project: project, dryRun: dryRun, startedAt: started, finishedAt: Date(),
                status: "succeeded", result: String(decoding: try encoder.encode(report), as: UTF8.self)))
            return report
        } catch {
            try? await record(JobRun(
                id: id, kind: kind, project: project, dryRun: dryRun, startedAt: started, finishedAt: Date(),
                status: "failed", result: #"{"error":"\#(String(describing: error).replacingOccurrences(of: "\"", with: "'"))"}"#))
            throw error
        }
    }

    private func record(_ run: JobRun) async throws {
        try await runs.recordRun(run)
        try await runs.pruneRuns(kind: run.kind, project: run.project, keep: Self.runsKept)
    }
}

/// A scheduled run another node made, or is making: then `retryLater`,
/// since that node may die before it finishes.
public struct JobSkipped: Error {
    public let retryLater: Bool
}
