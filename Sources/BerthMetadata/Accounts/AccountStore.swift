import Foundation

/// Users, projects and project membership: who exists and who belongs
/// where. What each role may do is decided above this layer (`BerthAuth`).
public protocol AccountStore: RobotStore, PersonalTokenStore, FederationRuleStore {
    func user(named name: String) async throws -> User?
    func users() async throws -> [User]
    /// Throws `AccountStoreError.exists` when the name is taken.
    func createUser(_ user: User) async throws
    /// Replaces the mutable fields of an existing user; false when absent.
    func updateUser(_ user: User) async throws -> Bool
    /// Deletes a user and their memberships; false when absent.
    func deleteUser(named name: String) async throws -> Bool

    func project(named name: String) async throws -> Project?
    func projects() async throws -> [Project]
    /// Throws `AccountStoreError.exists` when the name is taken.
    func createProject(_ project: Project) async throws
    func setProjectVisibility(_ name: String, public: Bool) async throws -> Bool
    /// Sets or (with nil) removes a project's storage quota; false when absent.
    func setProjectQuota(_ name: String, bytes: Int64?) async throws -> Bool
    /// Deletes a project and all that belongs to it (memberships, robots,
    /// rules, webhooks, empty repositories); false when absent. Throws
    /// `AccountStoreError.projectNotEmpty` while it holds a manifest or tag.
    func deleteProject(named name: String) async throws -> Bool

    func members(of project: String) async throws -> [Membership]
    /// The role `user` holds in `project`, if any.
    func role(of user: String, in project: String) async throws -> Role?
    /// Adds the member or changes their role.
    func setMember(_ user: String, of project: String, role: Role) async throws
    func removeMember(_ user: String, from project: String) async throws -> Bool
}

public enum AccountStoreError: Error, Equatable {
    case exists
    /// The project still holds artifacts in this repository.
    case projectNotEmpty(repository: String)
}

/// A person who signs in with a password.
public struct User: Sendable, Equatable {
    public var name: String
    public var email: String
    /// bcrypt; the password itself is never stored.
    public var passwordHash: String
    public var isAdmin: Bool
    public var isDisabled: Bool
    public var createdAt: Date

    public init(name: String, email: String, passwordHash: String, isAdmin: Bool, isDisabled: Bool = false, createdAt: Date = Date()) {
        self.name = name
        self.email = email
        self.passwordHash = passwordHash
        self.isAdmin = isAdmin
        self.isDisabled = isDisabled
        self.createdAt = createdAt
    }
}

/// The first path component of repository names, with its visibility.
public struct Project: Sendable, Equatable {
    public var name: String
    /// Public projects can be pulled anonymously.
    public var isPublic: Bool
    /// Blob bytes the project may hold; nil: unlimited.
    public var quotaBytes: Int64?
    public var createdAt: Date

    public init(name: String, isPublic: Bool, quotaBytes: Int64? = nil, createdAt: Date = Date()) {
        self.name = name
        self.isPublic = isPublic
        self.quotaBytes = quotaBytes
        self.createdAt = createdAt
    }
}

/// A project role, with Harbor's meanings (see `BerthAuth.Permissions`).
public enum Role: String, Sendable, CaseIterable, Codable {
    case guest
    case developer
    case maintainer
    case projectAdmin = "projectadmin"
}

public struct Membership: Sendable, Equatable {
    public let user: String
    public let role: Role

    public init(user: String, role: Role) {
        self.user = user
        self.role = role
    }
}
