import Foundation

/// One run of a background job (garbage collection, a retention policy),
/// kept so operators can see what happened and when.
public struct JobRun: Sendable, Equatable {
    public let id: String
    /// `gc` or `retention`.
    public let kind: String
    /// The project a retention run was for; empty for registry-wide jobs.
    public let project: String
    public let dryRun: Bool
    public let startedAt: Date
    public let finishedAt: Date
    /// `succeeded` or `failed`.
    public let status: String
    /// The job's report, as JSON.
    public let result: String

    public init(
        id: String, kind: String, project: String, dryRun: Bool, startedAt: Date, finishedAt: Date, status: String, result: String
    ) {
        self.id = id
        self.kind = kind
        self.project = project
        self.dryRun = dryRun
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.status = status
        self.result = result
    }
}

public protocol JobRunStore: Sendable {
    func recordRun(_ run: JobRun) async throws
    /// The newest runs of `kind` for `project`, newest first.
    func runs(kind: String, project: String, limit: Int) async throws -> [JobRun]
    /// Drops all but the newest `keep` runs of `kind` for `project`.
    func pruneRuns(kind: String, project: String, keep: Int) async throws
}

/// Leases that make a background job run on one node at a time, and once
/// per scheduled time, however many nodes share the database. A node that
/// dies mid-job stops renewing; its lease expires and another node may
/// take the job.
public protocol JobLeaseStore: Sendable {
    /// Takes the lease on `job` for `holder` until `expires`, unless another
    /// holder has an unexpired one, or a run for `slot` (or a later one) finished.
    func acquireLease(job: String, holder: String, slot: Date, expires: Date) async throws -> LeaseOutcome
    /// Extends a lease this holder has.
    func renewLease(job: String, holder: String, expires: Date) async throws
    /// Gives a lease up once the run for its slot finished.
    func releaseLease(job: String, holder: String) async throws
}

public enum LeaseOutcome: Sendable, Equatable {
    case acquired
    /// Another node holds it: try again later (it may die).
    case heldElsewhere
    /// The run for this slot is done.
    case done
}
