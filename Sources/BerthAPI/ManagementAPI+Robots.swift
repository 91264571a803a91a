import BerthManagement
import BerthMetadata
import BerthRegistry
import Foundation
import Hummingbird

/// Robot accounts of a project (`/projects/{name}/robots`) and system
/// robots (`/robots`); a robot's secret is in the answer to its creation
/// or regeneration only.
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

        init(_ robot: Robot, secret: String? = nil) {
            (name, project, permissions, disabled, self.secret) =
                (robot.name, robot.project, robot.permissions.mapValues { $0.sorted() }, robot.isDisabled, secret)
            expires_at = robot.expiresAt.map { ISO8601DateFormatter().string(from: $0) }
        }

        init(_ issued: RobotService.Issued) { self.init(issued.robot, secret: issued.secret) }
    }

    func addRobotRoutes(to api: ManagementRoutes) {
        let projectAdmin = ManagementAccess.projectRole(.projectAdmin, parameter: "name")
        addRobotRoutes(to: api, under: "/projects/{name}/robots", requires: projectAdmin) { try $0.parameters.require("name") }
        addRobotRoutes(to: api, under: "/robots", requires: .admin) { _ in nil }
    }

    /// The same routes for a project's robots and for system robots, whose project is nil.
    private func addRobotRoutes(
        to api: ManagementRoutes, under path: String, requires access: ManagementAccess,
        project: @escaping @Sendable (BerthRequestContext) throws -> String?
    ) {
        let robots = services.robots
        api.on(path, .get, requires: access) { _, context in
            try Self.json(try await robots.robots(of: project(context), by: context.requester).map { RobotBody($0) })
        }
        api.on(path, .post, requires: access) { request, context in
            let body = try await Self.decode(NewRobot.self, request, context)
            let new = RobotService.NewRobot(
                name: body.name, actions: body.permissions, projects: body.projects, expiresInDays: body.expires_in_days)
            return try Self.json(RobotBody(try await robots.create(new, in: project(context), by: context.requester)), status: .created)
        }
        api.on(path + "/{robot}", .patch, requires: access) { request, context in
            let body = try await Self.decode(RobotChange.self, request, context)
            let change = RobotService.Change(actions: body.permissions, projects: body.projects, isDisabled: body.disabled)
            let robot = try await robots.update(context.parameters.require("robot"), in: project(context), change, by: context.requester)
            return try Self.json(RobotBody(robot))
        }
        api.on(path + "/{robot}/secret", .post, requires: access) { _, context in
            try Self.json(RobotBody(try await robots.regenerateSecret(
                of: context.parameters.require("robot"), in: project(context), by: context.requester)))
        }
        api.on(path + "/{robot}", .delete, requires: access) { _, context in
            try await robots.delete(context.parameters.require("robot"), in: project(context), by: context.requester)
            return Response(status: .noContent)
        }
    }
}
