import BerthAuth
import BerthMetadata
import BerthRegistry
import Foundation
import Logging
import OCI

/// Robot accounts: project robots are managed by the project's
/// ProjectAdmins, system robots (spanning projects; `project` nil) by
/// administrators. A robot's secret is returned once, at creation or
/// regeneration: only its hash is kept.
public struct RobotService: Sendable {
    let authenticator: Authenticator
    let permissions: ManagementPermissions
    let audit: ChangeAudit

    public struct NewRobot: Sendable {
        /// Without the `robot$project+` prefix.
        public let name: String
        /// Actions of a project robot.
        public let actions: [String]?
        /// Project → actions, for a system robot.
        public let projects: [String: [String]]?
        /// Days until it expires; nil, 0 or negative: never.
        public let expiresInDays: Int?

        public init(name: String, actions: [String]?, projects: [String: [String]]?, expiresInDays: Int?) {
            (self.name, self.actions, self.projects, self.expiresInDays) = (name, actions, projects, expiresInDays)
        }
    }

    /// Fields left nil stay as they are.
    public struct Change: Sendable {
        public let actions: [String]?
        public let projects: [String: [String]]?
        public let isDisabled: Bool?

        public init(actions: [String]?, projects: [String: [String]]?, isDisabled: Bool?) {
            (self.actions, self.projects, self.isDisabled) = (actions, projects, isDisabled)
        }
    }

    /// A robot with the secret just issued to it.
    public struct Issued: Sendable {
        public let robot: Robot
        public let secret: String
    }

    /// A century is "never" for practical purposes; past it the expiry overflows a time.
    static let maxExpiryDays = 36_500

    private var accounts: any AccountStore { authenticator.accounts }

    public func robots(of project: String?, by requester: Requester) async throws -> [Robot] {
        try await permissions.check(permissions.robotsRequirement(project), requester)
        return try await accounts.robots(of: project)
    }

    public func create(_ new: NewRobot, in project: String?, by requester: Requester) async throws -> Issued {
        try await permissions.check(permissions.robotsRequirement(project), requester)
        try AccountNames.validate(new.name, what: "robot")
        let granted = try await permissionMap(project: project, actions: new.actions, projects: new.projects)
        let secret = Secrets.random(length: 32)
        let days = new.expiresInDays ?? 0
        guard days <= Self.maxExpiryDays else {
            throw RegistryError(.unsupported, "expires_in_days must be at most \(Self.maxExpiryDays)", status: 400)
        }
        let robot = Robot(
            name: Robot.fullName(new.name, project: project), project: project, secretHash: authenticator.passwords.hash(secret),
            permissions: granted, expiresAt: days > 0 ? Date().addingTimeInterval(Double(days) * 86400) : nil)
        do {
            try await accounts.createRobot(robot)
        } catch AccountStoreError.exists {
            throw RegistryError(.unsupported, "robot \(robot.name) exists", status: 409)
        }
        requester.logger.notice("robot created", metadata: ["robot": "\(robot.name)"])
        audit.record(requester, .created, Self.resource(new.name, project), project: project)
        return Issued(robot: robot, secret: secret)
    }

    /// `name` without the `robot$project+` prefix.
    public func update(_ name: String, in project: String?, _ change: Change, by requester: Requester) async throws -> Robot {
        try await permissions.check(permissions.robotsRequirement(project), requester)
        var robot = try await existing(name, in: project)
        if change.actions != nil || change.projects != nil {
            robot.permissions = try await permissionMap(project: robot.project, actions: change.actions, projects: change.projects)
        }
        if let disabled = change.isDisabled { robot.isDisabled = disabled }
        _ = try await accounts.updateRobot(robot)
        authenticator.forgetVerifiedCredentials()
        requester.logger.notice("robot changed", metadata: ["robot": "\(robot.name)"])
        audit.record(requester, .changed, Self.resource(name, project), project: project)
        return robot
    }

    /// A new secret; the old one (and refresh tokens issued for it) stop working.
    public func regenerateSecret(of name: String, in project: String?, by requester: Requester) async throws -> Issued {
        try await permissions.check(permissions.robotsRequirement(project), requester)
        var robot = try await existing(name, in: project)
        let secret = Secrets.random(length: 32)
        robot.secretHash = authenticator.passwords.hash(secret)
        _ = try await accounts.updateRobot(robot)
        authenticator.forgetVerifiedCredentials()
        audit.record(requester, .changed, Self.resource(name, project) + "/secret", project: project)
        return Issued(robot: robot, secret: secret)
    }

    public func delete(_ name: String, in project: String?, by requester: Requester) async throws {
        try await permissions.check(permissions.robotsRequirement(project), requester)
        let fullName = Robot.fullName(name, project: project)
        guard try await accounts.deleteRobot(named: fullName) else { throw RegistryError.robotUnknown(fullName) }
        authenticator.forgetVerifiedCredentials()
        audit.record(requester, .deleted, Self.resource(name, project), project: project)
    }

    private func existing(_ name: String, in project: String?) async throws -> Robot {
        let fullName = Robot.fullName(name, project: project)
        guard let robot = try await accounts.robot(named: fullName) else { throw RegistryError.robotUnknown(fullName) }
        return robot
    }

    /// A project robot's actions apply to its project; a system robot names
    /// each project, which must exist.
    private func permissionMap(project: String?, actions: [String]?, projects: [String: [String]]?) async throws -> [String: Set<String>] {
        let map: [String: [String]] = if let project { [project: actions ?? []] } else { projects ?? [:] }
        var result: [String: Set<String>] = [:]
        for (name, list) in map {
            guard try await accounts.project(named: name) != nil else { throw RegistryError.projectUnknown(name) }
            let valid = Set(list.compactMap { Action(rawValue: $0)?.rawValue })
            guard valid.count == Set(list).count, !valid.isEmpty else {
                throw RegistryError(.unsupported, "permissions are pull, push, delete and scan", status: 400)
            }
            result[name] = valid
        }
        guard !result.isEmpty else { throw RegistryError(.unsupported, "a robot needs at least one permission", status: 400) }
        return result
    }

    /// Where the audit log says the robot is: under its project, or among the system robots.
    private static func resource(_ name: String, _ project: String?) -> String {
        project.map { "projects/\($0)/robots/\(name)" } ?? "robots/\(name)"
    }
}
