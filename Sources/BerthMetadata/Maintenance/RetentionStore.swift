import Foundation
import OCI

/// An artifact as retention sees it: a manifest that is neither a child of
/// an index nor a referrer (those follow their parent or subject).
public struct ArtifactRecord: Sendable, Equatable {
    public let repository: String
    public let digest: Digest
    public let tags: [String]
    /// When it was pushed, or one of its tags last moved onto it.
    public let pushedAt: Date
    /// When it was last pulled, if ever.
    public let pulledAt: Date?

    public init(repository: String, digest: Digest, tags: [String], pushedAt: Date, pulledAt: Date?) {
        (self.repository, self.digest, self.tags, self.pushedAt, self.pulledAt) = (repository, digest, tags, pushedAt, pulledAt)
    }
}

public protocol RetentionStore: Sendable {
    /// The project's retention policy as JSON, if it has one.
    func retentionPolicy(of project: String) async throws -> String?
    /// Sets (or with nil removes) a project's retention policy.
    func setRetentionPolicy(_ policy: String?, of project: String) async throws
    /// Every project with a policy, and the policy.
    func retentionPolicies() async throws -> [(project: String, policy: String)]
    /// The artifacts of a project's repositories.
    func artifacts(inProject project: String) async throws -> [ArtifactRecord]
    /// Records when manifests (repository and digest, as text) were last pulled.
    func recordPulls(_ pulls: [(repository: String, digest: String, at: Date)]) async throws
}

extension SQLMetadataStore: RetentionStore {

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
        try await backend.transaction(durable: false) { db in
            for pull in pulls {
                try db.execute(
                    "UPDATE manifests SET pulled_at = ? WHERE repository = ? AND digest = ?",
                    .time(pull.at), .text(pull.repository), .text(pull.digest))
            }
        }
    }
}
