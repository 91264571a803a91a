import Foundation

/// The metadata schema, as ordered migrations. Each runs once, in a
/// transaction, and is recorded in `schema_migrations`. The same statements
/// run on SQLite and PostgreSQL; `SQLFlavor` fills in the types that differ.
public enum Schema {
    static func migrations(_ f: SQLFlavor) -> [[String]] {
        [
            [
                "CREATE TABLE repositories (name \(f.text) PRIMARY KEY, created_at BIGINT NOT NULL)",
                "CREATE TABLE blobs (digest \(f.text) PRIMARY KEY, size BIGINT NOT NULL, created_at BIGINT NOT NULL)",
                """
                CREATE TABLE repository_blobs (repository \(f.text) NOT NULL, digest \(f.text) NOT NULL,
                    created_at BIGINT NOT NULL, PRIMARY KEY (repository, digest))
                """,
                "CREATE INDEX repository_blobs_by_digest ON repository_blobs (digest)",
                """
                CREATE TABLE manifests (repository \(f.text) NOT NULL, digest \(f.text) NOT NULL,
                    media_type \(f.text) NOT NULL, size BIGINT NOT NULL, content \(f.bytes) NOT NULL,
                    artifact_type \(f.text), subject \(f.text), annotations \(f.text),
                    created_at BIGINT NOT NULL, PRIMARY KEY (repository, digest))
                """,
                "CREATE INDEX manifests_by_subject ON manifests (repository, subject)",
                """
                CREATE TABLE manifest_references (repository \(f.text) NOT NULL, manifest \(f.text) NOT NULL,
                    child \(f.text) NOT NULL, kind \(f.text) NOT NULL, PRIMARY KEY (repository, manifest, child, kind))
                """,
                "CREATE INDEX manifest_references_by_child ON manifest_references (child)",
                """
                CREATE TABLE tags (repository \(f.text) NOT NULL, name \(f.text) NOT NULL,
                    digest \(f.text) NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (repository, name))
                """,
                "CREATE INDEX tags_by_digest ON tags (repository, digest)",
                """
                CREATE TABLE uploads (id \(f.text) PRIMARY KEY, repository \(f.text) NOT NULL,
                    created_at BIGINT NOT NULL)
                """,
            ],
            [
                """
                CREATE TABLE users (name \(f.text) PRIMARY KEY, email \(f.text) NOT NULL, password_hash \(f.text) NOT NULL,
                    admin BIGINT NOT NULL, disabled BIGINT NOT NULL, created_at BIGINT NOT NULL)
                """,
                "CREATE TABLE projects (name \(f.text) PRIMARY KEY, public BIGINT NOT NULL, created_at BIGINT NOT NULL)",
                """
                CREATE TABLE members (project \(f.text) NOT NULL, user_name \(f.text) NOT NULL, role \(f.text) NOT NULL,
                    PRIMARY KEY (project, user_name))
                """,
                "CREATE INDEX members_by_user ON members (user_name)",
            ],
            [
                """
                CREATE TABLE robots (name \(f.text) PRIMARY KEY, project \(f.text), secret_hash \(f.text) NOT NULL,
                    expires_at BIGINT, disabled BIGINT NOT NULL, created_at BIGINT NOT NULL)
                """,
                """
                CREATE TABLE robot_permissions (robot \(f.text) NOT NULL, project \(f.text) NOT NULL, action \(f.text) NOT NULL,
                    PRIMARY KEY (robot, project, action))
                """,
                "CREATE INDEX robots_by_project ON robots (project)",
            ],
            [
                """
                CREATE TABLE immutability_rules (id \(f.text) PRIMARY KEY, project \(f.text) NOT NULL,
                    repository_pattern \(f.text) NOT NULL, tag_pattern \(f.text) NOT NULL, created_at BIGINT NOT NULL)
                """,
                "CREATE INDEX immutability_rules_by_project ON immutability_rules (project)",
            ],
            [
                // The digest an upload is about to commit: garbage collection keeps that blob.
                "ALTER TABLE uploads ADD COLUMN digest \(f.text)",
                "CREATE INDEX uploads_by_digest ON uploads (digest)",
                "CREATE INDEX blobs_by_created_at ON blobs (created_at)",
                """
                CREATE TABLE job_runs (id \(f.text) PRIMARY KEY, kind \(f.text) NOT NULL, project \(f.text) NOT NULL,
                    dry_run BIGINT NOT NULL, started_at BIGINT NOT NULL, finished_at BIGINT NOT NULL,
                    status \(f.text) NOT NULL, result \(f.text) NOT NULL)
                """,
                "CREATE INDEX job_runs_by_kind ON job_runs (kind, project, started_at)",
                "CREATE TABLE epochs (name \(f.text) PRIMARY KEY, value BIGINT NOT NULL)",
            ],
            [
                // Storage quota in bytes; NULL: unlimited.
                "ALTER TABLE projects ADD COLUMN quota_bytes BIGINT",
            ],
            [
                """
                CREATE TABLE audit_events (seq \(f.serialKey), id \(f.text) NOT NULL, at BIGINT NOT NULL,
                    kind \(f.text) NOT NULL, actor \(f.text), actor_kind \(f.text) NOT NULL, source \(f.text),
                    project \(f.text), repository \(f.text), digest \(f.text), tag \(f.text),
                    result \(f.text) NOT NULL, detail \(f.text))
                """,
                "CREATE INDEX audit_events_by_time ON audit_events (at)",
                "CREATE INDEX audit_events_by_project ON audit_events (project, seq)",
                """
                CREATE TABLE webhooks (id \(f.text) PRIMARY KEY, project \(f.text) NOT NULL, url \(f.text) NOT NULL,
                    secret \(f.text) NOT NULL, events \(f.text) NOT NULL, created_at BIGINT NOT NULL)
                """,
                "CREATE INDEX webhooks_by_project ON webhooks (project)",
                """
                CREATE TABLE webhook_deliveries (id \(f.text) PRIMARY KEY, webhook \(f.text) NOT NULL,
                    event \(f.text) NOT NULL, payload \(f.text) NOT NULL, status \(f.text) NOT NULL,
                    attempts BIGINT NOT NULL, next_attempt_at BIGINT NOT NULL, last_status_code BIGINT,
                    last_error \(f.text), created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)
                """,
                "CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at)",
                "CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook, created_at)",
            ],
            [
                "ALTER TABLE manifests ADD COLUMN pulled_at BIGINT",
                // Which node runs a background job, until when, and for which scheduled time.
                """
                CREATE TABLE job_leases (job \(f.text) PRIMARY KEY, holder \(f.text) NOT NULL,
                    expires_at BIGINT NOT NULL, slot BIGINT NOT NULL, done_slot BIGINT NOT NULL)
                """,
                """
                CREATE TABLE retention_policies (project \(f.text) PRIMARY KEY, policy \(f.text) NOT NULL,
                    updated_at BIGINT NOT NULL)
                """,
            ],
            [
                // The event outbox: rows written with the change they describe, read by consumers from their cursors.
                "CREATE TABLE event_outbox (seq \(f.serialKey), id \(f.text) NOT NULL, at BIGINT NOT NULL, body \(f.text) NOT NULL)",
                "CREATE INDEX event_outbox_by_time ON event_outbox (at)",
                """
                CREATE TABLE event_cursors (consumer \(f.text) PRIMARY KEY, position BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL)
                """,
                // Consumers may see an event twice (a crash before the cursor moved): its audit entry is written once.
                "CREATE UNIQUE INDEX audit_events_by_id ON audit_events (id)",
            ],
            // Nodes sharing a PostgreSQL database learn of each other's changes to what their pull caches hold.
            f == .postgres ? ContentChange.triggers : [],
            // Settings of a project kept as one JSON document each (tag rules, signing).
            [
                """
                CREATE TABLE project_settings (project \(f.text) NOT NULL, name \(f.text) NOT NULL, value \(f.text) NOT NULL,
                    updated_at BIGINT NOT NULL, PRIMARY KEY (project, name))
                """,
            ] + (f == .postgres ? ContentChange.settingTriggers : []),
            // Manifest pulls per caller and window, added by each node in batches (rate limits).
            [
                """
                CREATE TABLE rate_counts (key \(f.text) NOT NULL, slot_start BIGINT NOT NULL, slot_end BIGINT NOT NULL,
                    pulls BIGINT NOT NULL, PRIMARY KEY (key, slot_start))
                """,
                "CREATE INDEX rate_counts_by_end ON rate_counts (slot_end)",
            ],
            // Users' personal access tokens (SHA-256 of the secret).
            [
                """
                CREATE TABLE personal_tokens (user_name \(f.text) NOT NULL, name \(f.text) NOT NULL, secret_hash \(f.text) NOT NULL,
                    projects \(f.text) NOT NULL, expires_at BIGINT, created_at BIGINT NOT NULL, PRIMARY KEY (user_name, name))
                """,
                "CREATE UNIQUE INDEX personal_tokens_by_secret ON personal_tokens (user_name, secret_hash)",
                // Which other issuers' OIDC tokens may be exchanged for registry tokens (CI federation).
                """
                CREATE TABLE federation_rules (name \(f.text) PRIMARY KEY, issuer \(f.text) NOT NULL, rule \(f.text) NOT NULL,
                    created_at BIGINT NOT NULL)
                """,
                "CREATE INDEX federation_rules_by_issuer ON federation_rules (issuer)",
            ],
            // Other registries: proxy projects' upstreams and replication targets (passwords sealed).
            [
                """
                CREATE TABLE registries (name \(f.text) PRIMARY KEY, url \(f.text) NOT NULL, username \(f.text),
                    sealed_password \(f.text), insecure BIGINT NOT NULL, ca_file \(f.text), created_at BIGINT NOT NULL)
                """,
            ],
            // Replication: rules (JSON documents) and their executions, each claimed by one node.
            [
                "CREATE TABLE replication_rules (name \(f.text) PRIMARY KEY, rule \(f.text) NOT NULL, created_at BIGINT NOT NULL)",
                """
                CREATE TABLE replication_executions (id \(f.text) PRIMARY KEY, rule \(f.text) NOT NULL, trigger \(f.text) NOT NULL,
                    scope \(f.text), slot BIGINT, status \(f.text) NOT NULL, node \(f.text), heartbeat BIGINT, created_at BIGINT NOT NULL,
                    started_at BIGINT, finished_at BIGINT, artifacts \(f.text) NOT NULL, error \(f.text))
                """,
                "CREATE INDEX replication_executions_by_status ON replication_executions (status, created_at)",
                "CREATE INDEX replication_executions_by_rule ON replication_executions (rule, created_at)",
            ],
            // The vulnerability database: OSV records, and the packages each names (matching looks them up by package).
            [
                """
                CREATE TABLE vulnerabilities (id \(f.text) PRIMARY KEY, modified \(f.text) NOT NULL, record \(f.text) NOT NULL,
                    imported_at BIGINT NOT NULL)
                """,
                """
                CREATE TABLE vulnerable_packages (ecosystem \(f.text) NOT NULL, package \(f.text) NOT NULL, id \(f.text) NOT NULL,
                    PRIMARY KEY (ecosystem, package, id))
                """,
                "CREATE INDEX vulnerable_packages_by_id ON vulnerable_packages (id)",
                // Each artifact's last scan, queued and claimed like replication's executions.
                """
                CREATE TABLE scan_reports (repository \(f.text) NOT NULL, digest \(f.text) NOT NULL, status \(f.text) NOT NULL,
                    node \(f.text), heartbeat BIGINT, report \(f.text), error \(f.text), requested_at BIGINT NOT NULL, scanned_at BIGINT,
                    PRIMARY KEY (repository, digest))
                """,
                "CREATE INDEX scan_reports_by_status ON scan_reports (status, requested_at)",
            ],
            // The packages a scan found, so that a database update rematches them without reading layers again.
            [
                "ALTER TABLE scan_reports ADD COLUMN packages \(f.text)",
                "ALTER TABLE scan_reports ADD COLUMN match_only BIGINT NOT NULL DEFAULT 0",
            ],
            // When each package's advisories last changed, so a rematch re-evaluates only the packages an import touched.
            [
                """
                CREATE TABLE vulnerability_changes (ecosystem \(f.text) NOT NULL, package \(f.text) NOT NULL, changed_at BIGINT NOT NULL,
                    PRIMARY KEY (ecosystem, package))
                """,
            ],
            // A scan's packages and findings as rows: a database update queues only the artifacts holding a changed
            // package (by index), and a rematch rewrites only that package's findings, not a report of hundreds.
            // Reports kept until now hold their findings inline: every artifact is scanned again (layers read once more).
            [
                """
                CREATE TABLE scan_packages (repository \(f.text) NOT NULL, digest \(f.text) NOT NULL, ecosystem \(f.text) NOT NULL,
                    name \(f.text) NOT NULL, version \(f.text) NOT NULL, source \(f.text) NOT NULL,
                    PRIMARY KEY (repository, digest, ecosystem, name, version))
                """,
                "CREATE INDEX scan_packages_by_name ON scan_packages (ecosystem, name)",
                "CREATE INDEX scan_packages_by_source ON scan_packages (ecosystem, source)",
                """
                CREATE TABLE scan_findings (repository \(f.text) NOT NULL, digest \(f.text) NOT NULL, ecosystem \(f.text) NOT NULL,
                    package \(f.text) NOT NULL, version \(f.text) NOT NULL, id \(f.text) NOT NULL, scanner \(f.text) NOT NULL,
                    severity \(f.text) NOT NULL, finding \(f.text) NOT NULL,
                    PRIMARY KEY (repository, digest, ecosystem, package, version, id, scanner))
                """,
                "CREATE INDEX vulnerability_changes_by_time ON vulnerability_changes (changed_at)",
                "ALTER TABLE scan_reports ADD COLUMN matched_at BIGINT",
                "UPDATE scan_reports SET status = 'pending', match_only = 0, report = NULL, packages = NULL, node = NULL",
            ],
            // A rematch looks the changed packages up in an artifact's packages by key: by name through the primary
            // key, by source through (ecosystem, source, repository, digest). On SQLite the table is keyed by its
            // primary key (no rowid), so that index holds the key's columns once, not beside a rowid. Scans queue
            // by kind (a worker takes rematches, the others scans). The scans of manifests deleted until now go.
            (f == .sqlite
                ? [
                    """
                    CREATE TABLE scan_packages_keyed (repository TEXT NOT NULL, digest TEXT NOT NULL, ecosystem TEXT NOT NULL,
                        name TEXT NOT NULL, version TEXT NOT NULL, source TEXT NOT NULL,
                        PRIMARY KEY (repository, digest, ecosystem, name, version)) WITHOUT ROWID
                    """,
                    "INSERT INTO scan_packages_keyed SELECT repository, digest, ecosystem, name, version, source FROM scan_packages",
                    "DROP TABLE scan_packages",
                    "ALTER TABLE scan_packages_keyed RENAME TO scan_packages",
                    "CREATE INDEX scan_packages_by_name ON scan_packages (ecosystem, name)",
                ]
                : ["DROP INDEX scan_packages_by_source"])
                + [
                    "CREATE INDEX scan_packages_by_source ON scan_packages (ecosystem, source, repository, digest)",
                    "DROP INDEX scan_reports_by_status",
                    "CREATE INDEX scan_reports_by_status ON scan_reports (status, match_only, requested_at)",
                    // Each report's findings per severity, for listings (JSON; null for reports kept from before).
                    "ALTER TABLE scan_reports ADD COLUMN severity_counts \(f.text)",
                    """
                    DELETE FROM scan_reports WHERE NOT EXISTS (
                        SELECT 1 FROM manifests m WHERE m.repository = scan_reports.repository AND m.digest = scan_reports.digest)
                    """,
                    """
                    DELETE FROM scan_packages WHERE NOT EXISTS (
                        SELECT 1 FROM scan_reports r WHERE r.repository = scan_packages.repository AND r.digest = scan_packages.digest)
                    """,
                    """
                    DELETE FROM scan_findings WHERE NOT EXISTS (
                        SELECT 1 FROM scan_reports r WHERE r.repository = scan_findings.repository AND r.digest = scan_findings.digest)
                    """,
                ],
                [
                    // The web UI's sessions, and the indexes its pages read by.
                    """
                    CREATE TABLE web_sessions (id_hash \(f.text) PRIMARY KEY, user_name \(f.text) NOT NULL,
                        created_at BIGINT NOT NULL, seen_at BIGINT NOT NULL)
                    """,
                    "CREATE INDEX web_sessions_by_user ON web_sessions (user_name)",
                    "CREATE INDEX web_sessions_by_seen ON web_sessions (seen_at)",
                    // A repository's artifacts, newest first, a page at a time.
                    "CREATE INDEX manifests_by_time ON manifests (repository, created_at, digest)",
                    // "Which manifests list this one in this repository": by the child first, so that the
                    // planner does not walk the repository's every reference through the primary key instead.
                    "DROP INDEX manifest_references_by_child",
                    "CREATE INDEX manifest_references_by_child ON manifest_references (child, repository, kind)",
                    // Referrers by subject, in digest order (the primary key's digest range read every manifest of the repository).
                    "DROP INDEX manifests_by_subject",
                    "CREATE INDEX manifests_by_subject ON manifests (repository, subject, digest)",
                    // A repository's last pull, for its line in the project's list (pull times are written in batches).
                    "CREATE INDEX manifests_by_pull ON manifests (repository, pulled_at)",
                    // An artifact's tags in name order, without walking the repository's tags by the primary key.
                    "DROP INDEX tags_by_digest",
                    "CREATE INDEX tags_by_digest ON tags (repository, digest, name)",
                ],
        ]
    }

    /// The tables `berth migrate` copies, parents before children. Upload
    /// sessions (clients restart them), web sessions (people sign in again)
    /// and job leases (per cluster) stay behind.
    public static let copiedTables = [
        "repositories", "blobs", "repository_blobs", "manifests", "manifest_references", "tags", "users", "projects", "members",
        "robots", "robot_permissions", "personal_tokens", "federation_rules", "registries", "replication_rules", "replication_executions",
        "immutability_rules", "retention_policies", "project_settings", "job_runs", "epochs", "audit_events", "webhooks",
        "webhook_deliveries", "event_outbox", "event_cursors", "vulnerabilities", "vulnerable_packages", "scan_reports", "scan_packages",
        "scan_findings",
    ]

    /// Copied tables whose `seq` the database numbers (a copy must move the numbering past the copied rows).
    public static let numberedTables: Set<String> = ["audit_events", "event_outbox"]

    /// Brings the database to the newest schema version.
    static func migrate(_ backend: any SQLBackend) async throws {
        let migrations = migrations(backend.flavor)
        // Nodes starting together migrate one after the other.
        try await backend.exclusiveTransaction { db in
            try db.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)")
            let applied = Set(try db.rows("SELECT version FROM schema_migrations").map { try $0.integer("version") })
            let now = Date().millisSince1970
            for (index, statements) in migrations.enumerated() where !applied.contains(Int64(index + 1)) {
                for statement in statements {
                    try db.execute(statement)
                }
                try db.execute(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", .integer(Int64(index + 1)), .integer(now))
            }
        }
    }
}
