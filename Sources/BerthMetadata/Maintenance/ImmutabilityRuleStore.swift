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
