import Foundation
import OCI

/// A project's rules over the same `SQLBackend` (and database) as the
/// content: tag immutability rules and the retention policy, with what
/// retention reads and records of the content tables (artifacts, pull times).
public final class SQLRuleStore: ImmutabilityRuleStore, RetentionStore, ProjectSettingStore, RateCountStore {
    let backend: any SQLBackend

    /// The schema is migrated by `SQLStores.open`, which makes this store.
    init(backend: any SQLBackend) {
        self.backend = backend
    }

    // MARK: Immutability rules

    public func immutabilityRules(of project: String) async throws -> [ImmutabilityRule] {
        try await backend.read { db in
            try db.rows(
                "SELECT id, project, repository_pattern, tag_pattern FROM immutability_rules WHERE project = ? ORDER BY created_at, id",
                .text(project)
            ).map {
                ImmutabilityRule(
                    id: try $0.text("id"), project: try $0.text("project"),
                    repositoryPattern: try $0.text("repository_pattern"), tagPattern: try $0.text("tag_pattern"))
            }
        }
    }

    public func addImmutabilityRule(_ rule: ImmutabilityRule) async throws {
        let now = Date().millisSince1970
        try await backend.transaction(durable: true) { db in
            try db.execute(
                "INSERT INTO immutability_rules (id, project, repository_pattern, tag_pattern, created_at) VALUES (?, ?, ?, ?, ?)",
                .text(rule.id), .text(rule.project), .text(rule.repositoryPattern), .text(rule.tagPattern), .integer(now))
        }
    }

    public func deleteImmutabilityRule(id: String, project: String) async throws -> Bool {
        try await backend.transaction(durable: true) { db in
            guard try db.row("SELECT id FROM immutability_rules WHERE id = ? AND project = ?", .text(id), .text(project)) != nil
            else { return false }
            try db.execute("DELETE FROM immutability_rules WHERE id = ?", .text(id))
            return true
        }
    }

    // MARK: Settings

    public func setting(_ name: ProjectSetting, of project: String) async throws -> String? {
        try await backend.read { db in
            try db.row("SELECT value FROM project_settings WHERE project = ? AND name = ?", .text(project), .text(name.rawValue))?.text("value")
        }
    }

    /// Every project that has the setting, with its value.
    public func projects(with name: ProjectSetting) async throws -> [(project: String, value: String)] {
        try await backend.read { db in
            try db.rows("SELECT project, value FROM project_settings WHERE name = ? ORDER BY project", .text(name.rawValue))
                .map { (try $0.text("project"), try $0.text("value")) }
        }
    }

    public func setSetting(_ name: ProjectSetting, of project: String, to value: String?) async throws {
        let now = Date().millisSince1970
        try await backend.transaction(durable: true) { db in
            if let value {
                try db.execute(
                    """
                    INSERT INTO project_settings (project, name, value, updated_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (project, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                    """, .text(project), .text(name.rawValue), .text(value), .integer(now))
            } else {
                try db.execute("DELETE FROM project_settings WHERE project = ? AND name = ?", .text(project), .text(name.rawValue))
            }
        }
    }

    // MARK: Pull rate counts

    public func addPulls(_ counts: [RateCount], totalsOf slots: [RateSlot]) async throws -> [RateSlot: Int64] {
        try await backend.transaction(durable: false, isolation: .readCommitted) { db in
            // In one order on every node: two nodes' batches cannot wait for each other.
            for count in counts.sorted(by: { ($0.slot.key, $0.slot.start) < ($1.slot.key, $1.slot.start) }) {
                try db.enqueue(
                    """
                    INSERT INTO rate_counts (key, slot_start, slot_end, pulls) VALUES (?, ?, ?, ?)
                    ON CONFLICT (key, slot_start) DO UPDATE SET pulls = rate_counts.pulls + excluded.pulls
                    """, .text(count.slot.key), .integer(count.slot.start), .integer(count.slot.end), .integer(count.pulls))
            }
            var totals: [RateSlot: Int64] = [:]
            let wanted = Set(slots)
            let byStart = Dictionary(wanted.map { (RateSlotStart(key: $0.key, start: $0.start), $0) }, uniquingKeysWith: { first, _ in first })
            for keys in Array(Set(slots.map(\.key))).sorted().batches(of: 200) {
                let rows = try db.rows(
                    "SELECT key, slot_start, slot_end, pulls FROM rate_counts WHERE key IN (\(placeholders(keys.count)))", keys.map(SQLValue.text))
                for row in rows {
                    if let slot = byStart[RateSlotStart(key: try row.text("key"), start: try row.integer("slot_start"))] {
                        totals[slot] = try row.integer("pulls")
                    }
                }
            }
            return totals
        }
    }

    /// The table's key: a slot is one (key, start).
    private struct RateSlotStart: Hashable {
        let key: String
        let start: Int64
    }

    public func forgetRateCounts(endedBefore time: Int64) async throws {
        try await backend.transaction(durable: false, isolation: .readCommitted) { db in
            try db.execute("DELETE FROM rate_counts WHERE slot_end < ?", .integer(time))
        }
    }

    // MARK: Retention policies

    public func retentionPolicy(of project: String) async throws -> String? {
        try await backend.read { db in
            try db.row("SELECT policy FROM retention_policies WHERE project = ?", .text(project))?.text("policy")
        }
    }

    public func setRetentionPolicy(_ policy: String?, of project: String) async throws {
        let now = Date().millisSince1970
        try await backend.transaction(durable: true) { db in
            if let policy {
                try db.execute(
                    """
                    INSERT INTO retention_policies (project, policy, updated_at) VALUES (?, ?, ?)
                    ON CONFLICT (project) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at
                    """, .text(project), .text(policy), .integer(now))
            } else {
                try db.execute("DELETE FROM retention_policies WHERE project = ?", .text(project))
            }
        }
    }

    public func retentionPolicies() async throws -> [(project: String, policy: String)] {
        try await backend.read { db in
            try db.rows("SELECT project, policy FROM retention_policies ORDER BY project").map { (try $0.text("project"), try $0.text("policy")) }
        }
    }

    public func artifacts(inProject project: String) async throws -> [ArtifactRecord] {
        let (manifests, tags) = try await backend.read { db in
            (
                try db.rows(
                    """
                    SELECT repository, digest, created_at, pulled_at FROM manifests m
                    WHERE \(ProjectScope.condition("repository")) AND subject IS NULL
                    AND NOT EXISTS (SELECT 1 FROM manifest_references c
                        WHERE c.repository = m.repository AND c.child = m.digest AND c.kind = 'manifest')
                    ORDER BY repository, digest
                    """, ProjectScope.arguments(project)),
                try db.rows(
                    "SELECT repository, name, digest, updated_at FROM tags WHERE \(ProjectScope.condition("repository")) ORDER BY name",
                    ProjectScope.arguments(project))
            )
        }
        struct Key: Hashable { let repository: String, digest: String }
        var tagged: [Key: (names: [String], latest: Int64)] = [:]
        for row in tags {
            let key = Key(repository: try row.text("repository"), digest: try row.text("digest"))
            tagged[key, default: ([], 0)].names.append(try row.text("name"))
            tagged[key]!.latest = max(tagged[key]!.latest, try row.integer("updated_at"))
        }
        return try manifests.map { row in
            let key = Key(repository: try row.text("repository"), digest: try row.text("digest"))
            let entry = tagged[key]
            return ArtifactRecord(
                repository: key.repository, digest: try Digest(parsing: key.digest), tags: entry?.names ?? [],
                pushedAt: Date(millisSince1970: max(try row.integer("created_at"), entry?.latest ?? 0)),
                pulledAt: try row.optionalInteger("pulled_at").map { Date(millisSince1970: $0) })
        }
    }

    public func recordPulls(_ pulls: [(repository: String, digest: String, at: Date)]) async throws {
        guard !pulls.isEmpty else { return }
        // Each update stands alone: nothing to re-check.
        try await backend.transaction(durable: false, isolation: .readCommitted) { db in
            // In one order on every node: two nodes' batches cannot wait for each other.
            for pull in pulls.sorted(by: { ($0.repository, $0.digest) < ($1.repository, $1.digest) }) {
                try db.enqueue(
                    "UPDATE manifests SET pulled_at = ? WHERE repository = ? AND digest = ?",
                    .time(pull.at), .text(pull.repository), .text(pull.digest))
            }
        }
    }

    public func unreferencedBlobs(in repository: String) async throws -> [Digest] {
        try await backend.read { db in
            try db.rows(
                """
                SELECT digest FROM repository_blobs b WHERE repository = ? AND NOT EXISTS (
                    SELECT 1 FROM manifest_references r WHERE r.child = b.digest AND r.repository = b.repository AND r.kind = 'blob')
                ORDER BY digest
                """, .text(repository)
            ).map { try Digest(parsing: try $0.text("digest")) }
        }
    }
}
