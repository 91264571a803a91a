import BerthAuth
import BerthMetadata
import BerthRegistry
import Foundation
import Hummingbird
import Logging
import OCI

extension ManagementAPI {
    private struct NewProject: Decodable {
        let name: String
        let `public`: Bool?
    }

    private struct ProjectChange: Decodable {
        let `public`: Bool
    }

    private struct NewMember: Decodable {
        let user: String?
        let role: Role
    }

    /// Projects the caller can see: public ones, their own, all for admins.
    func listProjects(_ request: Request, _ context: BerthRequestContext) async throws -> Response {
        let identity = try await signedIn(request, context)
        var visible: [ProjectBody] = []
        for project in try await accounts.projects() {
            if try await canSee(project, identity) {
                visible.append(ProjectBody(name: project.name, public: project.isPublic))
            }
        }
        return try Self.json(visible)
    }

    func createProject(_ request: Request, _ context: BerthRequestContext) async throws -> Response {
        let identity = try await signedIn(request, context)
        guard identity.isAdmin || usersCreateProjects else { throw RegistryError(.denied, "only administrators create projects") }
        let body = try await Self.decode(NewProject.self, request, context)
        try Self.validName(body.name, what: "project")
        do {
            try await accounts.createProject(Project(name: body.name, isPublic: body.public ?? false))
        } catch AccountStoreError.exists {
            throw RegistryError(.unsupported, "project \(body.name) exists", status: 409)
        }
        // Whoever creates a project administers it.
        if let name = identity.name, !identity.isAdmin {
            try await accounts.setMember(name, of: body.name, role: .projectAdmin)
        }
        context.logger.notice("project created", metadata: ["project": "\(body.name)", "by": "\(identity)"])
        return try Self.json(ProjectBody(name: body.name, public: body.public ?? false), status: .created)
    }

    private struct ProjectDetail: Encodable {
        let name: String
        let `public`: Bool
        /// Blob bytes in the project's repositories, each blob counted once.
        let storage_bytes: Int64
    }

    func getProject(_ request: Request, _ context: BerthRequestContext, _ name: String) async throws -> Response {
        let identity = try await signedIn(request, context)
        guard let project = try await accounts.project(named: name), try await canSee(project, identity) else {
            throw Self.projectUnknown(name)
        }
        return try Self.json(
            ProjectDetail(name: project.name, public: project.isPublic, storage_bytes: try await metadata.projectBytes(project.name)))
    }

    func updateProject(_ request: Request, _ context: BerthRequestContext, _ name: String) async throws -> Response {
        let identity = try await requireProjectAdmin(request, context, name)
        let change = try await Self.decode(ProjectChange.self, request, context)
        _ = try await accounts.setProjectVisibility(name, public: change.public)
        context.logger.notice("project visibility changed", metadata: ["project": "\(name)", "public": "\(change.public)", "by": "\(identity)"])
        return try Self.json(ProjectBody(name: name, public: change.public))
    }

    /// Only an empty project can be deleted: its images would otherwise
    /// become unreachable by any policy.
    func deleteProject(_ request: Request, _ context: BerthRequestContext, _ name: String) async throws -> Response {
        _ = try await requireProjectAdmin(request, context, name)
        if let first = try await metadata.repositories(after: name + "/", limit: 1).first, first.hasPrefix(name + "/") {
            throw RegistryError(.denied, "project \(name) still holds repositories (\(first) first)", status: 409)
        }
        _ = try await accounts.deleteProject(named: name)
        return Response(status: .noContent)
    }

    func listMembers(_ request: Request, _ context: BerthRequestContext, _ project: String) async throws -> Response {
        let identity = try await signedIn(request, context)
        guard let found = try await accounts.project(named: project), try await canSee(found, identity) else {
            throw Self.projectUnknown(project)
        }
        return try Self.json(try await accounts.members(of: project).map { MemberBody(user: $0.user, role: $0.role) })
    }

    /// `POST …/members {"user","role"}` or `PUT …/members/{user} {"role"}`.
    func setMember(_ request: Request, _ context: BerthRequestContext, project: String, user: String?) async throws -> Response {
        let identity = try await requireProjectAdmin(request, context, project)
        let body = try await Self.decode(NewMember.self, request, context)
        guard let name = user ?? body.user else { throw RegistryError(.unsupported, "user is required", status: 400) }
        guard try await accounts.user(named: name) != nil else { throw Self.userUnknown(name) }
        try await accounts.setMember(name, of: project, role: body.role)
        context.logger.notice("member set", metadata: ["project": "\(project)", "user": "\(name)", "role": "\(body.role.rawValue)", "by": "\(identity)"])
        return try Self.json(MemberBody(user: name, role: body.role), status: user == nil ? .created : .ok)
    }

    func removeMember(_ request: Request, _ context: BerthRequestContext, project: String, user: String) async throws -> Response {
        _ = try await requireProjectAdmin(request, context, project)
        guard try await accounts.removeMember(user, from: project) else { throw Self.userUnknown(user) }
        return Response(status: .noContent)
    }

    private func canSee(_ project: Project, _ identity: Identity) async throws -> Bool {
        if project.isPublic || identity.isAdmin { return true }
        guard let name = identity.name else { return false }
        return try await accounts.role(of: name, in: project.name) != nil
    }
}
