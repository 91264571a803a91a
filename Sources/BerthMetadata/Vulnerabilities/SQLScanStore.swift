import Foundation

/// An artifact's scan: queued, claimed by one node, then its report (JSON) or why it failed.
public struct ScanRecord: Sendable, Equatable {
    public enum Status: String, Sendable { case pending, running, done, failed }
    public let repository: String
    public let digest: String
    public let status: Status
    public let report: String?
    public let error: String?
    public let requestedAt: Date
    public let scannedAt: Date?
}

/// Scans as rows: one per (repository, digest), claimed by one node at a
/// time (and by another once its heartbeat stops), as replication's executions are.
/// Requests are durable commits; claims and results are not (two fsyncs an
/// artifact were most of a rematch's time): a power failure can only take
/// the row back to a state whose scan runs again.
public final class SQLScanStore: Sendable {
    let backend: any SQLBackend

    init(backend: any SQLBackend) {
        self.backend = backend
    }

    /// Queues a scan; false when one is queued or running already. The
    /// report already there stays until the new one replaces it.
    public func request(_ repository: String, _ digest: String, at date: Date = Date()) async throws -> Bool {
        try await backend.transaction(durable: true) { db in
            let (r, d) = (SQLValue.text(repository), SQLValue.text(digest))
            if let row = try db.row("SELECT status FROM scan_reports WHERE repository = ? AND digest = ?", r, d) {
                let status = try row.text("status")
                if status == ScanRecord.Status.pending.rawValue || status == ScanRecord.Status.running.rawValue { return false }
                try db.execute(
                    "UPDATE scan_reports SET status = 'pending', match_only = 0, requested_at = ?, node = NULL WHERE repository = ? AND digest = ?",
                    .time(date), r, d)
            } else {
                try db.execute(
                    "INSERT INTO scan_reports (repository, digest, status, requested_at) VALUES (?, ?, 'pending', ?)", r, d, .time(date))
            }
            return true
        }
    }

    /// After the vulnerability database changed: every artifact scanned
    /// before is matched again against it, from the packages its scan kept
    /// (no layer is read). Returns how many were queued.
    public func requestRematchOfAll(at date: Date = Date()) async throws -> Int {
        try await backend.transaction(durable: true) { db in
            let condition = "status IN ('done', 'failed') AND packages IS NOT NULL"
            let count = try db.row("SELECT COUNT(*) AS n FROM scan_reports WHERE \(condition)")?.integer("n") ?? 0
            try db.execute(
                "UPDATE scan_reports SET status = 'pending', match_only = 1, requested_at = ?, node = NULL WHERE \(condition)", .time(date))
            return Int(count)
        }
    }

    /// A claimed scan; `matchOnly` when only its kept packages are to be matched again.
    public struct Claimed: Sendable {
        public let repository: String
        public let digest: String
        public let matchOnly: Bool
    }

    /// Takes the oldest queued scan for `node`, or one whose node stopped beating before `staleBefore`.
    public func claim(node: String, now: Date, staleBefore: Date) async throws -> Claimed? {
        let waiting = try await backend.read { db in
            try db.row(
                "SELECT 1 AS found FROM scan_reports WHERE status = 'pending' OR (status = 'running' AND heartbeat < ?) LIMIT 1",
                .time(staleBefore)) != nil
        }
        guard waiting else { return nil }
        return try await backend.transaction(durable: false) { db in
            guard let row = try db.row(
                """
                SELECT repository, digest, match_only FROM scan_reports WHERE status = 'pending' OR (status = 'running' AND heartbeat < ?)
                ORDER BY requested_at, repository, digest LIMIT 1
                """, .time(staleBefore))
            else { return nil }
            let (repository, digest) = (try row.text("repository"), try row.text("digest"))
            try db.execute(
                "UPDATE scan_reports SET status = 'running', node = ?, heartbeat = ? WHERE repository = ? AND digest = ?",
                .text(node), .time(now), .text(repository), .text(digest))
            return Claimed(repository: repository, digest: digest, matchOnly: try row.integer("match_only") != 0)
        }
    }

    /// Tells the others `node` still scans it.
    public func beat(_ repository: String, _ digest: String, node: String, now: Date) async throws {
        try await backend.transaction(durable: false) { db in
            try db.execute(
                "UPDATE scan_reports SET heartbeat = ? WHERE repository = ? AND digest = ? AND node = ? AND status = 'running'",
                .time(now), .text(repository), .text(digest), .text(node))
        }
    }

    /// Ends a scan with its report and the packages it found (JSON, kept
    /// for rematches; nil keeps the ones stored, as a rematch does).
    public func finish(_ repository: String, _ digest: String, report: String, packages: String?, at date: Date = Date()) async throws {
        try await backend.transaction(durable: false) { db in
            try db.execute(
                """
                UPDATE scan_reports SET status = 'done', report = ?, packages = COALESCE(?, packages), error = NULL, scanned_at = ?, node = NULL
                WHERE repository = ? AND digest = ?
                """,
                .text(report), .text(packages), .time(date), .text(repository), .text(digest))
        }
    }

    /// Ends a scan with why it failed. The previous report stays (a pull
    /// policy may let it decide) and so do its packages.
    public func fail(_ repository: String, _ digest: String, error: String, at date: Date = Date()) async throws {
        try await backend.transaction(durable: false) { db in
            try db.execute(
                "UPDATE scan_reports SET status = 'failed', error = ?, scanned_at = ?, node = NULL WHERE repository = ? AND digest = ?",
                .text(error), .time(date), .text(repository), .text(digest))
        }
    }

    /// The packages the artifact's last scan found (JSON), if it kept them.
    public func packages(_ repository: String, _ digest: String) async throws -> String? {
        try await backend.read { db in
            try db.row("SELECT packages FROM scan_reports WHERE repository = ? AND digest = ?", .text(repository), .text(digest))?
                .optionalText("packages")
        }
    }

    public func scan(_ repository: String, _ digest: String) async throws -> ScanRecord? {
        try await backend.read { db in
            try db.row("SELECT * FROM scan_reports WHERE repository = ? AND digest = ?", .text(repository), .text(digest)).map { row in
                ScanRecord(
                    repository: try row.text("repository"), digest: try row.text("digest"),
                    status: ScanRecord.Status(rawValue: try row.text("status")) ?? .failed, report: try row.optionalText("report"),
                    error: try row.optionalText("error"), requestedAt: Date(millisSince1970: try row.integer("requested_at")),
                    scannedAt: try row.optionalInteger("scanned_at").map { Date(millisSince1970: $0) })
            }
        }
    }
}
