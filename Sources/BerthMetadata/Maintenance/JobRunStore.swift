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

extension SQLMetadataStore: JobRunStore {
    public func recordRun(_ run: JobRun) async throws {
        try await backend.transaction(durable: true) { db in
            try db.execute(
                """
                INSERT INTO job_runs (id, kind, project, dry_run, started_at, finished_at, status, result)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
                .text(run.id), .text(run.kind), .text(run.project), .integer(run.dryRun ? 1 : 0),
                .time(run.startedAt), .time(run.finishedAt),
                .text(run.status), .text(run.result))
        }
    }

    public func runs(kind: String, project: String, limit: Int) async throws -> [JobRun] {
        try await backend.read { db in
            try db.rows(
                "SELECT * FROM job_runs WHERE kind = ? AND project = ? ORDER BY started_at DESC, id LIMIT ?",
                .text(kind), .text(project), .integer(Int64(limit))
            ).map { row in
                JobRun(
                    id: try row.text("id"), kind: try row.text("kind"), project: try row.text("project"),
                    dryRun: try row.integer("dry_run") != 0,
                    startedAt: try row.time("started_at"),
                    finishedAt: try row.time("finished_at"),
                    status: try row.text("status"), result: try row.text("result"))
            }
        }
    }

    public func pruneRuns(kind: String, project: String, keep: Int) async throws {
        try await backend.transaction(durable: false) { db in
            try db.execute(
                """
                DELETE FROM job_runs WHERE kind = ? AND project = ? AND id NOT IN (
                    SELECT id FROM job_runs WHERE kind = ? AND project = ? ORDER BY started_at DESC LIMIT ?)
                """, .text(kind), .text(project), .text(kind), .text(project), .integer(Int64(keep)))
        }
    }
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

extension SQLMetadataStore: JobLeaseStore {

    public func acquireLease(job: String, holder: String, slot: Date, expires: Date) async throws -> LeaseOutcome {
        let now = Date().millisSince1970
        let wanted = slot.millisSince1970
        return try await backend.transaction(durable: true) { db in
            if let lease = try db.row("SELECT holder, expires_at, done_slot FROM job_leases WHERE job = ?", .text(job)) {
                if try lease.integer("done_slot") >= wanted { return .done }
                if try lease.integer("expires_at") > now, try lease.text("holder") != holder { return .heldElsewhere }
                try db.execute(
                    "UPDATE job_leases SET holder = ?, expires_at = ?, slot = ? WHERE job = ?",
                    .text(holder), .time(expires), .integer(wanted), .text(job))
            } else {
                try db.execute(
                    "INSERT INTO job_leases (job, holder, expires_at, slot, done_slot) VALUES (?, ?, ?, ?, 0)",
                    .text(job), .text(holder), .time(expires), .integer(wanted))
            }
            return .acquired
        }
    }

    public func renewLease(job: String, holder: String, expires: Date) async throws {
        try await backend.transaction(durable: false) { db in
            try db.execute("UPDATE job_leases SET expires_at = ? WHERE job = ? AND holder = ?", .time(expires), .text(job), .text(holder))
        }
    }

    public func releaseLease(job: String, holder: String) async throws {
        try await backend.transaction(durable: true) { db in
            try db.execute(
                "UPDATE job_leases SET expires_at = 0, done_slot = slot WHERE job = ? AND holder = ?", .text(job), .text(holder))
        }
    }
}
