import Foundation

/// An artifact's scan: queued, claimed by one node, then its report (JSON) or why it failed.
/// Its packages and findings are rows of `scan_packages` and `scan_findings`.
public struct ScanRecord: Sendable, Equatable {
    public enum Status: String, Sendable { case pending, running, done, failed }
    public let repository: String
    public let digest: String
    public let status: Status
    /// What the scan found but its findings (JSON), which are rows of their own.
    public let report: String?
    public let error: String?
    public let requestedAt: Date
    /// When the layers were read.
    public let scannedAt: Date?
    /// When the packages were last matched against the database (a rematch changes only this and the findings).
    public let matchedAt: Date?
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

    /// After the vulnerability database changed: the artifacts holding a
    /// package whose advisories changed after `date` (by name or by source)
    /// are matched again, from the packages their scans kept (no layer is
    /// read); the others' reports still hold. Returns how many were queued.
    public func requestRematch(ofChangesAfter date: Date, at now: Date = Date()) async throws -> Int {
        try await backend.transaction(durable: true) { db in
            // From the changes (few after a daily update) to the artifacts by index, not from every artifact's packages.
            let affected = try db.rows(
                """
                SELECT p.repository, p.digest FROM vulnerability_changes c
                JOIN scan_packages p ON p.ecosystem = c.ecosystem AND p.name = c.package WHERE c.changed_at > ?
                UNION
                SELECT p.repository, p.digest FROM vulnerability_changes c
                JOIN scan_packages p ON p.ecosystem = c.ecosystem AND p.source = c.package WHERE c.changed_at > ?
                """, .time(date), .time(date)
            ).map { [SQLValue.text(try $0.text("repository")), .text(try $0.text("digest"))] }
            var queued = 0
            for batch in affected.batches(of: SQLContentStore.rowsPerStatement) {
                let rows = try db.rows(
                    """
                    UPDATE scan_reports SET status = 'pending', match_only = 1, requested_at = ?, node = NULL
                    WHERE status IN ('done', 'failed') AND (repository, digest) IN (\(Array(repeating: "(?, ?)", count: batch.count).joined(separator: ", ")))
                    RETURNING repository
                    """, [.time(now)] + batch.flatMap { $0 })
                queued += rows.count
            }
            return queued
        }
    }

    /// A claimed scan; `matchOnly` when only its kept packages are to be matched again.
    public struct Claimed: Sendable {
        public let repository: String
        public let digest: String
        public let matchOnly: Bool

        public init(repository: String, digest: String, matchOnly: Bool) {
            (self.repository, self.digest, self.matchOnly) = (repository, digest, matchOnly)
        }
    }

    private static let waiting = "SELECT repository, digest FROM scan_reports WHERE status = 'pending' LIMIT 1"
    private static let queued = "SELECT repository, digest, match_only FROM scan_reports WHERE status = 'pending' AND match_only = 0 ORDER BY requested_at LIMIT 1"
    private static let abandoned = "SELECT repository, digest, match_only FROM scan_reports WHERE status = 'running' AND heartbeat < ? LIMIT 1"

    /// Whether a scan waits: queued, or abandoned by a node that stopped beating before `staleBefore`.
    /// A read, for the background turn that most often finds nothing.
    public func hasWaiting(staleBefore: Date) async throws -> Bool {
        try await backend.read { db in
            try db.row(Self.waiting) != nil || db.row(Self.abandoned, .time(staleBefore)) != nil
        }
    }

    /// Takes the oldest queued scan for `node` (not a rematch: `claimRematches` takes those), or one whose node
    /// stopped beating before `staleBefore`.
    /// Each lookup is one step of the status index (no `OR`, no sort of the
    /// queue's ties): a rematch of every artifact queues them all at one time.
    public func claim(node: String, now: Date, staleBefore: Date) async throws -> Claimed? {
        try await backend.backgroundTransaction { db in
            guard let row = try db.row(Self.queued) ?? db.row(Self.abandoned, .time(staleBefore)) else { return nil }
            let (repository, digest) = (try row.text("repository"), try row.text("digest"))
            try db.execute(
                "UPDATE scan_reports SET status = 'running', node = ?, heartbeat = ? WHERE repository = ? AND digest = ?",
                .text(node), .time(now), .text(repository), .text(digest))
            return Claimed(repository: repository, digest: digest, matchOnly: try row.integer("match_only") != 0)
        }
    }

    /// Takes up to `limit` queued rematches at once (the oldest first): a
    /// rematch is a few reads and writes, and claiming them one by one was
    /// most of their time.
    public func claimRematches(node: String, now: Date, limit: Int) async throws -> [Claimed] {
        try await backend.backgroundTransaction { db in
            let claimed = try db.rows(
                "SELECT repository, digest FROM scan_reports WHERE status = 'pending' AND match_only = 1 ORDER BY requested_at LIMIT ?",
                .integer(Int64(max(1, min(limit, SQLContentStore.rowsPerStatement))))
            ).map { Claimed(repository: try $0.text("repository"), digest: try $0.text("digest"), matchOnly: true) }
            guard !claimed.isEmpty else { return [] }
            try db.execute(
                """
                UPDATE scan_reports SET status = 'running', node = ?, heartbeat = ?
                WHERE (repository, digest) IN (\(Array(repeating: "(?, ?)", count: claimed.count).joined(separator: ", ")))
                """, [.text(node), .time(now)] + claimed.flatMap { [SQLValue.text($0.repository), .text($0.digest)] })
            return claimed
        }
    }

    /// Tells the others `node` still scans it.
    public func beat(_ repository: String, _ digest: String, node: String, now: Date) async throws {
        try await backend.backgroundTransaction { db in
            try db.execute(
                "UPDATE scan_reports SET heartbeat = ? WHERE repository = ? AND digest = ? AND node = ? AND status = 'running'",
                .time(now), .text(repository), .text(digest), .text(node))
        }
    }

    /// Ends a scan with its report (everything but the findings), the
    /// packages it found (kept for rematches) and its findings, each
    /// replacing what the artifact's previous scan kept.
    public func finish(
        _ repository: String, _ digest: String, report: String, packages: [InstalledPackage], findings: [StoredFinding], matchedAt: Date,
        at date: Date = Date()
    ) async throws {
        try await backend.backgroundTransaction { db in
            let (r, d) = (SQLValue.text(repository), SQLValue.text(digest))
            guard try Self.isKept(r, d, in: db) else { return }
            try db.execute("DELETE FROM scan_packages WHERE repository = ? AND digest = ?", r, d)
            try db.execute("DELETE FROM scan_findings WHERE repository = ? AND digest = ?", r, d)
            try Self.insert(packages, of: r, d, in: db)
            try Self.insert(findings, of: r, d, in: db)
            try db.execute(
                """
                UPDATE scan_reports SET status = 'done', report = ?, error = NULL, scanned_at = ?, matched_at = ?, severity_counts = ?, node = NULL
                WHERE repository = ? AND digest = ?
                """,
                .text(report), .time(date), .time(matchedAt), .text(Self.countsText(try Self.severityCounts(r, d, in: db))), r, d)
        }
    }

    /// A rematch's outcome: the findings of Berth's own of `packages` are
    /// replaced by `findings`; every other row stays as it was.
    public struct Rematched: Sendable {
        public let repository: String
        public let digest: String
        public let packages: [InstalledPackage]
        public let findings: [StoredFinding]

        public init(repository: String, digest: String, packages: [InstalledPackage], findings: [StoredFinding]) {
            (self.repository, self.digest, self.packages, self.findings) = (repository, digest, packages, findings)
        }
    }

    /// Ends rematches in one transaction; returns each report's findings per severity.
    public func finishRematches(_ rematches: [Rematched], matchedAt: Date) async throws -> [[String: Int]] {
        try await backend.backgroundTransaction { db in
            try rematches.map { rematch in
                let (r, d) = (SQLValue.text(rematch.repository), SQLValue.text(rematch.digest))
                guard try Self.isKept(r, d, in: db) else { return [:] }
                for package in rematch.packages {
                    try db.execute(
                        "DELETE FROM scan_findings WHERE repository = ? AND digest = ? AND ecosystem = ? AND package = ? AND version = ? AND scanner = ''",
                        r, d, .text(package.ecosystem), .text(package.name), .text(package.version))
                }
                try Self.insert(rematch.findings, of: r, d, in: db)
                let counts = try Self.severityCounts(r, d, in: db)
                try db.execute(
                    "UPDATE scan_reports SET status = 'done', error = NULL, matched_at = ?, severity_counts = ?, node = NULL WHERE repository = ? AND digest = ?",
                    .time(matchedAt), .text(Self.countsText(counts)), r, d)
                return counts
            }
        }
    }

    private static func insert(_ packages: [InstalledPackage], of r: SQLValue, _ d: SQLValue, in db: any SQLSession) throws {
        // Unique by key: a package listed twice (two layers) is one row.
        let unique = Dictionary(packages.map { ([$0.ecosystem, $0.name, $0.version], $0) }, uniquingKeysWith: { first, _ in first })
        for batch in unique.values.sorted(by: { ($0.ecosystem, $0.name, $0.version) < ($1.ecosystem, $1.name, $1.version) })
            .batches(of: SQLContentStore.rowsPerStatement) {
            try db.execute(
                "INSERT INTO scan_packages (repository, digest, ecosystem, name, version, source) VALUES "
                    + Array(repeating: "(?, ?, ?, ?, ?, ?)", count: batch.count).joined(separator: ", "),
                batch.flatMap { [r, d, .text($0.ecosystem), .text($0.name), .text($0.version), .text($0.source ?? "")] })
        }
    }

    private static func insert(_ findings: [StoredFinding], of r: SQLValue, _ d: SQLValue, in db: any SQLSession) throws {
        let unique = Dictionary(
            findings.map { ([$0.ecosystem, $0.package, $0.version, $0.id, $0.scanner ?? ""], $0) }, uniquingKeysWith: { first, _ in first })
        for batch in unique.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }).map(\.value).batches(of: SQLContentStore.rowsPerStatement) {
            try db.execute(
                "INSERT INTO scan_findings (repository, digest, ecosystem, package, version, id, scanner, severity, finding) VALUES "
                    + Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?, ?)", count: batch.count).joined(separator: ", "),
                batch.flatMap {
                    [r, d, .text($0.ecosystem), .text($0.package), .text($0.version), .text($0.id), .text($0.scanner ?? ""), .text($0.severity),
                     .text($0.json)]
                })
        }
    }

    /// Ends a scan with why it failed. The previous report stays (a pull
    /// policy may let it decide) and so do its packages.
    public func fail(_ repository: String, _ digest: String, error: String, at date: Date = Date()) async throws {
        try await backend.backgroundTransaction { db in
            try db.execute(
                "UPDATE scan_reports SET status = 'failed', error = ?, scanned_at = ?, node = NULL WHERE repository = ? AND digest = ?",
                .text(error), .time(date), .text(repository), .text(digest))
        }
    }

    /// Whether the artifact's scan row is still there: its manifest may have
    /// been deleted while it was scanned, and its rows must not come back.
    private static func isKept(_ r: SQLValue, _ d: SQLValue, in db: any SQLSession) throws -> Bool {
        try db.row("SELECT 1 AS found FROM scan_reports WHERE repository = ? AND digest = ?", r, d) != nil
    }

    /// Forgets a manifest's scan (its report, packages and findings), in the
    /// transaction that deletes the manifest: a rematch must not queue what
    /// is gone, and nothing else would ever remove the rows.
    static func forget(_ repository: SQLValue, _ digest: SQLValue, in db: any SQLSession) throws {
        for table in ["scan_findings", "scan_packages", "scan_reports"] {
            try db.execute("DELETE FROM \(table) WHERE repository = ? AND digest = ?", repository, digest)
        }
    }

    /// Changes are looked up one by one in an artifact's packages while
    /// there are at most this many (a daily update); past it (a first
    /// import, a full one again) each of its packages is looked up in the changes.
    static let fewChanges = 64

    /// For each artifact, the packages its last scan found whose advisories
    /// changed (by name or by source) after its last match less `margin`:
    /// what a rematch evaluates again. Nil for one with no report to start from.
    public func packagesToRematch(_ artifacts: [Claimed], margin: TimeInterval) async throws -> [[InstalledPackage]?] {
        try await backend.read { db in
            let since = try artifacts.map { artifact -> Date? in
                try db.row(
                    "SELECT matched_at FROM scan_reports WHERE repository = ? AND digest = ? AND report IS NOT NULL",
                    .text(artifact.repository), .text(artifact.digest)
                )?.optionalInteger("matched_at").map { Date(millisSince1970: $0).addingTimeInterval(-margin) }
            }
            guard let earliest = since.compactMap({ $0 }).min() else { return since.map { _ in nil } }
            let changes = try db.rows(
                "SELECT ecosystem, package, changed_at FROM vulnerability_changes WHERE changed_at > ? LIMIT ?",
                .time(earliest), .integer(Int64(Self.fewChanges + 1))
            ).map { (key: PackageKey(ecosystem: try $0.text("ecosystem"), name: try $0.text("package")), at: try $0.time("changed_at")) }
            return try zip(artifacts, since).map { artifact, since in
                guard let since else { return nil }
                let (r, d) = (SQLValue.text(artifact.repository), SQLValue.text(artifact.digest))
                guard changes.count <= Self.fewChanges else { return try Self.packages(of: r, d, changedAfter: since, in: db) }
                return try Self.packages(of: r, d, naming: changes.filter { $0.at > since }.map(\.key), in: db)
            }
        }
    }

    /// The artifact's packages named (or whose source is named) by `keys`, each looked up by key.
    private static func packages(of r: SQLValue, _ d: SQLValue, naming keys: [PackageKey], in db: any SQLSession) throws -> [InstalledPackage] {
        var found: Set<InstalledPackage> = []
        for (ecosystem, keys) in Dictionary(grouping: keys, by: \.ecosystem) {
            for batch in Set(keys.map(\.name)).sorted().batches(of: SQLContentStore.rowsPerStatement) {
                let names = batch.map { SQLValue.text($0) }
                let marks = Array(repeating: "?", count: batch.count).joined(separator: ", ")
                // By name through the primary key, by source through its index (ecosystem, source, repository, digest).
                found.formUnion(try db.rows(
                    "SELECT ecosystem, name, version, source FROM scan_packages WHERE repository = ? AND digest = ? AND ecosystem = ? AND name IN (\(marks))",
                    [r, d, .text(ecosystem)] + names
                ).map(Self.installedPackage))
                found.formUnion(try db.rows(
                    "SELECT ecosystem, name, version, source FROM scan_packages WHERE ecosystem = ? AND source IN (\(marks)) AND repository = ? AND digest = ?",
                    [.text(ecosystem)] + names + [r, d]
                ).map(Self.installedPackage))
            }
        }
        return found.sorted { ($0.ecosystem, $0.name, $0.version) < ($1.ecosystem, $1.name, $1.version) }
    }

    /// The artifact's packages whose advisories changed after `date`: each looked up in the changes, however many they are.
    private static func packages(of r: SQLValue, _ d: SQLValue, changedAfter date: Date, in db: any SQLSession) throws -> [InstalledPackage] {
        try db.rows(
            """
            SELECT ecosystem, name, version, source FROM scan_packages p WHERE repository = ? AND digest = ? AND EXISTS (
                SELECT 1 FROM vulnerability_changes c WHERE c.ecosystem = p.ecosystem AND c.package IN (p.name, p.source) AND c.changed_at > ?)
            ORDER BY ecosystem, name, version
            """, r, d, .time(date)
        ).map(Self.installedPackage)
    }

    private static func installedPackage(_ row: SQLRow) throws -> InstalledPackage {
        let source = try row.text("source")
        return InstalledPackage(
            ecosystem: try row.text("ecosystem"), name: try row.text("name"), version: try row.text("version"), source: source.isEmpty ? nil : source)
    }

    /// The artifact's findings (JSON, with their severity), in report
    /// order: by ecosystem, package, installed version and id.
    public func findings(_ repository: String, _ digest: String) async throws -> [(severity: String, json: String)] {
        try await backend.read { db in
            try db.rows(
                """
                SELECT severity, finding FROM scan_findings WHERE repository = ? AND digest = ?
                ORDER BY ecosystem, package, version, id, scanner
                """, .text(repository), .text(digest)
            ).map { (try $0.text("severity"), try $0.text("finding")) }
        }
    }

    /// An artifact's scan as listings show it.
    public struct Overview: Sendable, Equatable {
        public let status: ScanRecord.Status
        public let scannedAt: Date?
        /// Findings per severity (only the severities found) of the last completed scan; nil before one completed.
        public let counts: [String: Int]?
    }

    /// The scans of `digests` in `repository` (those never scanned are absent), with the counts kept with each report.
    public func overviews(_ repository: String, _ digests: [String]) async throws -> [String: Overview] {
        try await backend.read { db in
            var found: [String: Overview] = [:]
            for batch in Set(digests).sorted().batches(of: SQLContentStore.rowsPerStatement) {
                let rows = try db.rows(
                    """
                    SELECT digest, status, scanned_at, CASE WHEN report IS NULL THEN 0 ELSE 1 END AS reported, severity_counts FROM scan_reports
                    WHERE repository = ? AND digest IN (\(Array(repeating: "?", count: batch.count).joined(separator: ", ")))
                    """, [.text(repository)] + batch.map { .text($0) })
                for row in rows {
                    let (r, d) = (SQLValue.text(repository), SQLValue.text(try row.text("digest")))
                    // Reports kept from before the counts were: counted once more.
                    var counts = try row.optionalText("severity_counts").flatMap(Self.counts(parsing:))
                    if counts == nil, try row.integer("reported") != 0 { counts = try Self.severityCounts(r, d, in: db) }
                    found[try row.text("digest")] = Overview(
                        status: ScanRecord.Status(rawValue: try row.text("status")) ?? .failed,
                        scannedAt: try row.optionalInteger("scanned_at").map { Date(millisSince1970: $0) }, counts: counts)
                }
            }
            return found
        }
    }

    /// `{"critical":1,"high":3}`: keys sorted, so the same counts are the same text.
    static func countsText(_ counts: [String: Int]) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: counts, options: [.sortedKeys])) ?? Data("{}".utf8), as: UTF8.self)
    }

    static func counts(parsing text: String) -> [String: Int]? {
        try? JSONDecoder().decode([String: Int].self, from: Data(text.utf8))
    }

    /// How many findings the artifact's report holds per severity (only the severities it holds).
    private static func severityCounts(_ r: SQLValue, _ d: SQLValue, in db: any SQLSession) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try db.rows("SELECT severity, COUNT(*) AS n FROM scan_findings WHERE repository = ? AND digest = ? GROUP BY severity", r, d) {
            counts[try row.text("severity")] = Int(try row.integer("n"))
        }
        return counts
    }

    public func scan(_ repository: String, _ digest: String) async throws -> ScanRecord? {
        try await backend.read { db in
            try db.row("SELECT * FROM scan_reports WHERE repository = ? AND digest = ?", .text(repository), .text(digest)).map { row in
                ScanRecord(
                    repository: try row.text("repository"), digest: try row.text("digest"),
                    status: ScanRecord.Status(rawValue: try row.text("status")) ?? .failed, report: try row.optionalText("report"),
                    error: try row.optionalText("error"), requestedAt: Date(millisSince1970: try row.integer("requested_at")),
                    scannedAt: try row.optionalInteger("scanned_at").map { Date(millisSince1970: $0) },
                    matchedAt: try row.optionalInteger("matched_at").map { Date(millisSince1970: $0) })
            }
        }
    }
}
