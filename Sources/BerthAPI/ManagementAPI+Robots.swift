import BerthAuth
import BerthMetadata
import BerthRegistry
import Foundation
import Hummingbird
import Logging
import OCI

/// Robot accounts: project robots are managed by the project's
/// ProjectAdmins, system robots (spanning projects) by administrators.
/// A robot's secret is returned once, at creation or regeneration.
extension ManagementAPI {
    private struct NewRobot: Decodable {
        let name: String
        /// Actions of a project robot.
        let permissions: [String]?
        /// Project → actions, for a system robot.
        let projects: [String: [String]]?
        /// Days until it expires; absent, 0 or negative: never.
        let expires_in_days: Int?
    }

    private struct RobotChange: Decodable {
        let permissions: [String]?
        let projects: [String: [String]]?
        let disabled: Bool?
    }

    struct RobotBody: Encodable {
        let name: String
        let project: String?
        let permissions: [String: [String]]
        let expires_at: String?
        let disabled: Bool
        let secret: String?
    }

    func addRobotRoutes(to api: ManagementRoutes) {
        let projectAdmin = ManagementAccess.projectRole(.projectAdmin, parameter: "name")
        api.on("/projects/{name}/robots", .get, requires: projectAdmin) { _, context in
            try Self.json(try await accounts.robots(of: context.parameters.require("name")).map { Self.robotBody($0, secret: nil) })
        }
        api.on("/projects/{name}/robots", .post, requires: projectAdmin) { request, context in
            try await createRobot(request, context, project: context.parameters.require("name"))
        }
        api.on("/projects/{name}/robots/{robot}", .patch, requires: projectAdmin) { request, context in
            try await updateRobot(request, context, Self.projectRobot(context))
        }
        api.on("/projects/{name}/robots/{robot}/secret", .post, requires: projectAdmin) { _, context in
            try await regenerateSecret(Self.projectRobot(context))
        }
        api.on("/projects/{name}/robots/{robot}", .delete, requires: projectAdmin) { _, context in
            try await deleteRobot(Self.projectRobot(context))
        }
        api.on("/robots", .get, requires: .admin) { _, _ in
            try Self.json(try await accounts.robots(of: nil).map { Self.robotBody($0, secret: nil) })
        }
        api.on("/robots", .post, requires: .admin) { request, context in try await createRobot(request, context, project: nil) }
        api.on("/robots/{robot}", .patch, requires: .admin) { request, context in
            try await updateRobot(request, context, Self.systemRobot(context))
        }
        api.on("/robots/{robot}/secret", .post, requires: .admin) { _, context in try await regenerateSecret(Self.systemRobot(context)) }
        api.on("/robots/{robot}", .delete, requires: .admin) { _, context in try await deleteRobot(Self.systemRobot(context)) }
    }

    /// The robot `{robot}` of the project `{name}`.
    private static func projectRobot(_ context: BerthRequestContext) throws -> String {
        Robot.fullName(try context.parameters.require("robot"), project: try context.parameters.require("name"))
    }

    /// The system robot `{robot}`.
    private static func systemRobot(_ context: BerthRequestContext) throws -> String {
        Robot.fullName(try context.parameters.require("robot"), project: nil)
    }

    private func createRobot(_ request: Request, _ context: BerthRequestContext, project: String?) async throws -> Response {
        let body = try await Self.decode(NewRobot.self, request, context)
        try Self.validName(body.name, what: "robot")
        let permissions = try await permissionMap(project: project, actions: body.permissions, projects: body.projects)
        let secret = Secrets.random(length: 32)
        let days = body.expires_in_days ?? 0
        // A century is "never" for practical purposes; past it the expiry overflows a time.
        guard days <= 36_500 else { throw RegistryError(.unsupported, "expires_in_days must be at most 36500", status: 400) }
        let robot = Robot(
            name: Robot.fullName(body.name, project: project), project: project, secretHash: authenticator.passwords.hash(secret),
            permissions: permissions, expiresAt: days > 0 ? Date().addingTimeInterval(Double(days) * 86400) : nil)
        do {
            try await accounts.createRobot(robot)
        } catch AccountStoreError.exists {
            throw RegistryError(.unsupported, "robot \(robot.name) exists", status: 409)
        }
        context.logger.notice("robot created", metadata: ["robot": "\(robot.name)"])
        return try Self.json(Self.robotBody(robot, secret: secret), status: .created)
    }

    private func updateRobot(_ request: Request, _ context: BerthRequestContext, _ name: String) async throws -> Response {
        let change = try await Self.decode(RobotChange.self, request, context)
        guard var robot = try await accounts.robot(named: name) else { throw Self.robotUnknown(name) }
        if change.permissions != nil || change.projects != nil {
            robot.permissions = try await permissionMap(project: robot.project, actions: change.permissions, projects: change.projects)
        }
        if let disabled = change.disabled { robot.isDisabled = disabled }
        _ = try await accounts.updateRobot(robot)
        authenticator.forgetVerifiedCredentials()
        context.logger.notice("robot changed", metadata: ["robot": "\(name)"])
        return try Self.json(Self.robotBody(robot, secret: nil))
    }

    private func regenerateSecret(_ name: String) async throws -> Response {
        guard var robot = try await accounts.robot(named: name) else { throw Self.robotUnknown(name) }
        let secret = Secrets.random(length: 32)
        robot.secretHash = authenticator.passwords.hash(secret)
        _ = try await accounts.updateRobot(robot)
        authenticator.forgetVerifiedCredentials()
        return try Self.json(Self.robotBody(robot, secret: secret))
    }

    private func deleteRobot(_ name: String) async throws -> Response {
        guard try await accounts.deleteRobot(named: name) else { throw Self.robotUnknown(name) }
        authenticator.forgetVerifiedCredentials()
        return Response(status: .noContent)
    }

    /// A project robot's actions apply to its project; a system robot names
    /// each project, which must exist.
    private func permissionMap(project: String?, actions: [String]?, projects: [String: [String]]?) async throws -> [String: Set<String>] {
        let map: [String: [String]] = if let project { [project: actions ?? []] } else { projects ?? [:] }
        var result: [String: Set<String>] = [:]
        for (name, list) in map {
            guard try await accounts.project(named: name) != nil else { throw Self.projectUnknown(name) }
            let valid = Set(list.compactMap { Action(rawValue: $0)?.rawValue })
            guard valid.count == Set(list).count, !valid.isEmpty else {
                throw RegistryError(.unsupported, "permissions are pull, push and delete", status: 400)
            }
            result[name] = valid
        }
        guard !result.isEmpty else { throw RegistryError(.unsupported, "a robot needs at least one permission", status: 400) }
        return result
    }

    static func robotBody(_ robot: Robot, secret: String?) -> RobotBody {
        RobotBody(
            name: robot.name, project: robot.project, permissions: robot.permissions.mapValues { $0.sorted() },
            expires_at: robot.expiresAt.map { ISO8601DateFormatter().string(from: $0) }, disabled: robot.isDisabled, secret: secret)
    }

    static func robotUnknown(_ name: String) -> RegistryError {
        RegistryError(.nameUnknown, "no robot \(name.prefix(80))", status: 404)
    }

}
