import Foundation

/// A user's personal access token: a secret for `docker login` (with the
/// user's name) that grants at most the actions it lists, per project, and
/// nothing on the management API. Shown once; only its SHA-256 is kept
/// (the secret is random and long, so a fast hash is enough).
public struct PersonalToken: Sendable, Equatable {
    public let user: String
    public let name: String
    public let secretHash: String
    /// Project → actions (`pull`, `push`, `delete`).
    public let projects: [String: Set<String>]
    public let expiresAt: Date?
    public let createdAt: Date

    public init(user: String, name: String, secretHash: String, projects: [String: Set<String>], expiresAt: Date?, createdAt: Date = Date()) {
        (self.user, self.name, self.secretHash, self.projects, self.expiresAt, self.createdAt) =
            (user, name, secretHash, projects, expiresAt, createdAt)
    }

    /// What every secret starts with, so a leaked one is recognisable (and secret scanners can find it).
    public static let prefix = "berth_pat_"

    public func isUsable(at date: Date = Date()) -> Bool { expiresAt.map { $0 > date } ?? true }
}

public protocol PersonalTokenStore: Sendable {
    /// Throws `AccountStoreError.exists` when the user has a token of that name.
    func createPersonalToken(_ token: PersonalToken) async throws
    func personalTokens(of user: String) async throws -> [PersonalToken]
    /// The user's token with this secret hash, if any.
    func personalToken(of user: String, secretHash: String) async throws -> PersonalToken?
    /// False when there was none.
    func deletePersonalToken(of user: String, named name: String) async throws -> Bool
}
