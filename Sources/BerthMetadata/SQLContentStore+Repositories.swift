import Foundation
import OCI

/// A repository as the web UI lists it.
public struct RepositorySummary: Sendable, Equatable {
    public let name: String
    /// Artifacts as listings count them: manifests without a subject.
    public let artifacts: Int
    public let lastPush: Date?
    public let lastPull: Date?
}

/// What a project holds, for its line in a list of projects.
public struct ProjectContents: Sendable, Equatable {
    public let repositories: Int
    public let lastPush: Date?
}

/// A tag found by a search.
public struct TagMatch: Sendable, Equatable {
    public let repository: String
    public let tag: String
    public let digest: String
}

extension SQLContentStore {
    /// A project's repositories by name, after `last`, at most `limit`, each
    /// counted through the manifests' primary key and time index.
    public func repositories(inProject project: String, after last: String?, limit: Int) async throws -> [RepositorySummary] {
        try await backend.read { db in
            var condition = ProjectScope.condition("r.name")
            var arguments = ProjectScope.arguments(project)
            if let last {
                condition += " AND r.name > ?"
                arguments.append(.text(last))
            }
            return try db.rows(
                """
                SELECT r.name,
                    (SELECT COUNT(*) FROM manifests m WHERE m.repository = r.name AND m.subject IS NULL) AS artifacts,
                    (SELECT MAX(m.created_at) FROM manifests m WHERE m.repository = r.name) AS last_push,
                    (SELECT MAX(m.pulled_at) FROM manifests m WHERE m.repository = r.name) AS last_pull
                FROM repositories r WHERE \(condition) ORDER BY r.name LIMIT ?
                """, arguments + [.integer(Int64(max(0, limit)))]
            ).map { row in
                RepositorySummary(
                    name: try row.text("name"), artifacts: Int(try row.integer("artifacts")),
                    lastPush: try row.optionalInteger("last_push").map { Date(millisSince1970: $0) },
                    lastPull: try row.optionalInteger("last_pull").map { Date(millisSince1970: $0) })
            }
        }
    }

    /// How many repositories a project has, and when it last took a push.
    public func contents(ofProject project: String) async throws -> ProjectContents {
        try await backend.read { db in
            let count = try db.rows(
                "SELECT COUNT(*) AS n FROM repositories WHERE \(ProjectScope.condition("name"))", ProjectScope.arguments(project)).first?
                .integer("n") ?? 0
            // Each repository's newest through the time index, rather than every manifest of the project.
            let last = try db.rows(
                """
                SELECT MAX((SELECT MAX(m.created_at) FROM manifests m WHERE m.repository = r.name)) AS at
                FROM repositories r WHERE \(ProjectScope.condition("r.name"))
                """, ProjectScope.arguments(project)).first?.optionalInteger("at")
            return ProjectContents(repositories: Int(count), lastPush: last.map { Date(millisSince1970: $0) })
        }
    }

    /// Repositories whose name contains `text`, by name, at most `limit`.
    public func repositories(containing text: String, limit: Int) async throws -> [String] {
        try await backend.read { db in
            try db.rows(
                "SELECT name FROM repositories WHERE name LIKE ? ESCAPE '\\' ORDER BY name LIMIT ?",
                .text(Self.likePattern(containing: text)), .integer(Int64(max(0, limit)))
            ).map { try $0.text("name") }
        }
    }

    /// Tags whose name contains `text`, by repository and name, at most `limit`.
    public func tags(containing text: String, limit: Int) async throws -> [TagMatch] {
        try await backend.read { db in
            try db.rows(
                "SELECT repository, name, digest FROM tags WHERE name LIKE ? ESCAPE '\\' ORDER BY repository, name LIMIT ?",
                .text(Self.likePattern(containing: text)), .integer(Int64(max(0, limit)))
            ).map { TagMatch(repository: try $0.text("repository"), tag: try $0.text("name"), digest: try $0.text("digest")) }
        }
    }

    /// `%text%`, with LIKE's own characters taken literally.
    static func likePattern(containing text: String) -> String {
        var pattern = "%"
        for character in text {
            if character == "%" || character == "_" || character == "\\" { pattern.append("\\") }
            pattern.append(character)
        }
        return pattern + "%"
    }
}
