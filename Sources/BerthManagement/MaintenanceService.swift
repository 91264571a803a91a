import BerthMetadata
import BerthRegistry
import Logging
import OCI

/// Background jobs on demand, and their past runs: garbage collection for
/// system administrators, a project's retention for its ProjectAdmins
/// (its runs for every member with a role).
public struct MaintenanceService: Sendable {
    let maintenance: Maintenance
    let content: any MetadataStore
    /// What a collection does unless asked otherwise.
    let defaultCollection: GarbageCollector.Options
    let permissions: ManagementPermissions
    let audit: ChangeAudit

    /// How a collection asked for differs from the default; nil fields keep it.
    public struct CollectionRequest: Sendable {
        /// nil: not a dry run, whatever the default.
        public let dryRun: Bool?
        public let deleteUntagged: Bool?
        public let graceSeconds: Double?

        public init(dryRun: Bool?, deleteUntagged: Bool?, graceSeconds: Double?) {
            (self.dryRun, self.deleteUntagged, self.graceSeconds) = (dryRun, deleteUntagged, graceSeconds)
        }
    }

    /// Ten years is longer than any registry keeps an upload; past it a time overflows.
    static let maxGraceSeconds: Double = 10 * 365 * 86400

    public func collectGarbage(_ request: CollectionRequest, by requester: Requester) async throws -> GarbageCollector.Report {
        let identity = try await permissions.check(.admin, requester)
        var options = defaultCollection
        options.dryRun = request.dryRun ?? false
        options.deleteUntagged = request.deleteUntagged ?? options.deleteUntagged
        if let grace = request.graceSeconds {
            guard grace.isFinite, (0...Self.maxGraceSeconds).contains(grace) else {
                throw RegistryError(.unsupported, "grace_seconds must be 0 to \(Int(Self.maxGraceSeconds))", status: 400)
            }
            options.grace = grace
        }
        requester.logger.notice("garbage collection requested", metadata: ["by": "\(identity)", "dry_run": "\(options.dryRun)"])
        let report = try await maintenance.collectGarbage(options)
        audit.record(requester, .ran, "gc")
        return report
    }

    /// Blob bytes stored in all, each blob once (administrators).
    public func storedBytes(by requester: Requester) async throws -> Int64 {
        try await permissions.check(.admin, requester)
        return try await content.storedBytes()
    }

    /// Recent collections, newest first.
    public func collectionRuns(by requester: Requester) async throws -> [JobRun] {
        try await permissions.check(.admin, requester)
        return try await maintenance.recentRuns(kind: "gc")
    }

    public func applyRetention(of project: String, dryRun: Bool, by requester: Requester) async throws -> Maintenance.RetentionReport {
        try await permissions.check(.projectRole(.projectAdmin, in: project), requester)
        let report = try await maintenance.applyRetention(project: project, dryRun: dryRun)
        audit.record(requester, .ran, "projects/\(project)/retention/runs", project: project)
        return report
    }

    /// Recent retention runs of the project, newest first.
    public func retentionRuns(of project: String, by requester: Requester) async throws -> [JobRun] {
        try await permissions.check(.projectRole(.guest, in: project), requester)
        return try await maintenance.recentRuns(kind: "retention", project: project)
    }
}
