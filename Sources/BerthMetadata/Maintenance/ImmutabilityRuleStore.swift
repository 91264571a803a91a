import Foundation

/// A tag immutability rule of a project: tags matching `tagPattern` in
/// repositories matching `repositoryPattern` (relative to the project) may
/// not move to another digest nor be deleted.
public struct ImmutabilityRule: Sendable, Equatable, Codable {
    public let id: String
    public let project: String
    public let repositoryPattern: String
    public let tagPattern: String

    public init(id: String, project: String, repositoryPattern: String, tagPattern: String) {
        self.id = id
        self.project = project
        self.repositoryPattern = repositoryPattern
        self.tagPattern = tagPattern
    }
}

public protocol ImmutabilityRuleStore: Sendable {
    func immutabilityRules(of project: String) async throws -> [ImmutabilityRule]
    func addImmutabilityRule(_ rule: ImmutabilityRule) async throws
    /// False when the project has no such rule.
    func deleteImmutabilityRule(id: String, project: String) async throws -> Bool
}

extension SQLMetadataStore: ImmutabilityRuleStore {
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
}
