import Foundation

/// A non-human account for CI: `robot$<project>+<name>` for one project, or
/// `robot$<name>` spanning chosen projects, each with explicit actions.
public struct Robot: Sendable, Equatable {
    public let name: String
    /// The project of a project-level robot; nil for a system-level one.
    public let project: String?
    /// bcrypt of the secret, which is shown once and never stored.
    public var secretHash: String
    /// Project → actions (`pull`, `push`, `delete`).
    public var permissions: [String: Set<String>]
    public var expiresAt: Date?
    public var isDisabled: Bool
    public let createdAt: Date

    public init(
        name: String, project: String?, secretHash: String, permissions: [String: Set<String>], expiresAt: Date?,
        isDisabled: Bool = false, createdAt: Date = Date()
    ) {
        self.name = name
        self.project = project
        self.secretHash = secretHash
        self.permissions = permissions
        self.expiresAt = expiresAt
        self.isDisabled = isDisabled
        self.createdAt = createdAt
    }

    public static let prefix = "robot$"

    /// `robot$team+ci` for a project robot, `robot$ci` for a system one.
    public static func fullName(_ name: String, project: String?) -> String {
        prefix + (project.map { "\($0)+" } ?? "") + name
    }

    public func isUsable(at date: Date = Date()) -> Bool {
        !isDisabled && (expiresAt.map { $0 > date } ?? true)
    }
}

/// Robot accounts, stored beside users.
public protocol RobotStore: Sendable {
    func robot(named name: String) async throws -> Robot?
    /// Robots of a project, or the system-level ones when `project` is nil.
    func robots(of project: String?) async throws -> [Robot]
    /// Throws `AccountStoreError.exists` when the name is taken.
    func createRobot(_ robot: Robot) async throws
    /// Replaces secret, permissions, expiry and the disabled flag; false when absent.
    func updateRobot(_ robot: Robot) async throws -> Bool
    func deleteRobot(named name: String) async throws -> Bool
}
