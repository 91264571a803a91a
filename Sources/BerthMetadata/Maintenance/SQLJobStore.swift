import Foundation

/// `JobRunStore` and `JobLeaseStore` over the same `SQLBackend` (and
/// database) as the content: the runs of background jobs, and the leases
/// that keep each on one node at a time.
public final class SQLJobStore: JobRunStore, JobLeaseStore {
    let backend: any SQLBackend

    /// The schema is migrated by `SQLStores.open`, which makes this store.
    init(backend: any SQLBackend) {
        self.backend = backend
    }

    // MARK: Runs

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

    // MARK: Leases

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
