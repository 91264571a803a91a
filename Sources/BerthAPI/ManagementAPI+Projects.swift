import BerthAuth
import BerthMetadata
import BerthPolicies
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

    /// Fields left out stay as they are; `"quota_bytes": null` removes the quota.
    private struct ProjectChange: Decodable {
        let `public`: Bool?
        let quota: QuotaChange

        enum QuotaChange { case unchanged, unlimited, bytes(Int64) }
        enum CodingKeys: String, CodingKey { case `public`, quota = "quota_bytes" }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            `public` = try container.decodeIfPresent(Bool.self, forKey: .public)
            if !container.contains(.quota) {
                quota = .unchanged
            } else if let bytes = try container.decodeIfPresent(Int64.self, forKey: .quota) {
                quota = .bytes(bytes)
            } else {
                quota = .unlimited
            }
        }
    }

    private struct NewMember: Decodable {
        let user: String?
        let role: Role
    }

    func addProjectRoutes(to api: ManagementRoutes) {
        let projectAdmin = ManagementAccess.projectRole(.projectAdmin, parameter: "name")
        api.on("/projects", .get, requires: .signedIn) { _, context in try await listProjects(context) }
        api.on("/projects", .post, requires: .signedIn) { request, context in try await createProject(request, context) }
        api.on("/projects/{name}", .get, requires: .signedIn) { _, context in try await getProject(context, context.parameters.require("name")) }
        api.on("/projects/{name}", .patch, requires: projectAdmin) { request, context in
            try await updateProject(request, context, context.parameters.require("name"))
        }
        api.on("/projects/{name}", .delete, requires: projectAdmin) { _, context in try await deleteProject(context.parameters.require("name")) }
        api.on("/projects/{name}/members", .get, requires: .signedIn) { _, context in
            try await listMembers(context, context.parameters.require("name"))
        }
        api.on("/projects/{name}/members", .post, requires: projectAdmin) { request, context in
            try await setMember(request, context, project: context.parameters.require("name"), user: nil)
        }
        api.on("/projects/{name}/members/{user}", .put, requires: projectAdmin) { request, context in
            try await setMember(request, context, project: context.parameters.require("name"), user: context.parameters.require("user"))
        }
        api.on("/projects/{name}/members/{user}", .delete, requires: projectAdmin) { _, context in
            try await removeMember(project: context.parameters.require("name"), user: context.parameters.require("user"))
        }
    }

    /// Projects the caller can see: public ones, their own, all for admins.
    private func listProjects(_ context: BerthRequestContext) async throws -> Response {
        let identity = context.identity
        var visible: [ProjectBody] = []
        for project in try await accounts.projects() {
            if try await canSee(project, identity) {
                visible.append(ProjectBody(name: project.name, public: project.isPublic))
            }
        }
        return try Self.json(visible)
    }

    /// Administrators create projects; with `users_create_projects`, any user.
    private func createProject(_ request: Request, _ context: BerthRequestContext) async throws -> Response {
        let identity = context.identity
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
        /// nil: unlimited.
        let quota_bytes: Int64?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(self.public, forKey: .public)
            try container.encode(storage_bytes, forKey: .storage_bytes)
            try container.encode(quota_bytes, forKey: .quota_bytes)  // null, not absent, when unlimited
        }

        enum CodingKeys: String, CodingKey { case name, `public`, storage_bytes, quota_bytes }
    }

    /// A project the caller cannot see answers as a missing one.
    private func getProject(_ context: BerthRequestContext, _ name: String) async throws -> Response {
        guard let project = try await accounts.project(named: name), try await canSee(project, context.identity) else {
            throw Self.projectUnknown(name)
        }
        return try await projectDetail(project)
    }

    private func projectDetail(_ project: Project) async throws -> Response {
        try Self.json(ProjectDetail(
            name: project.name, public: project.isPublic, storage_bytes: try await stores.content.projectBytes(project.name),
            quota_bytes: project.quotaBytes))
    }

    /// Visibility is the ProjectAdmin's; the quota is the system administrators'.
    private func updateProject(_ request: Request, _ context: BerthRequestContext, _ name: String) async throws -> Response {
        let identity = context.identity
        let change = try await Self.decode(ProjectChange.self, request, context)
        if case .unchanged = change.quota {} else {
            guard identity.isAdmin else { throw RegistryError(.denied, "only system administrators set quotas") }
        }
        if case .bytes(let bytes) = change.quota, bytes < 0 {
            throw RegistryError(.unsupported, "quota_bytes must not be negative", status: 400)
        }
        if let visibility = change.public {
            _ = try await accounts.setProjectVisibility(name, public: visibility)
            context.logger.notice("project visibility changed", metadata: ["project": "\(name)", "public": "\(visibility)", "by": "\(identity)"])
        }
        switch change.quota {
        case .unchanged: break
        case .unlimited, .bytes:
            let bytes: Int64? = if case .bytes(let b) = change.quota { b } else { nil }
            _ = try await accounts.setProjectQuota(name, bytes: bytes)
            quotas.forget(name)
            context.logger.notice("project quota changed", metadata: ["project": "\(name)", "bytes": "\(bytes.map(String.init) ?? "unlimited")", "by": "\(identity)"])
        }
        guard let project = try await accounts.project(named: name) else { throw Self.projectUnknown(name) }
        return try await projectDetail(project)
    }

    /// Only an empty project can be deleted: its images would otherwise
    /// become unreachable by any policy.
    private func deleteProject(_ name: String) async throws -> Response {
        do {
            _ = try await accounts.deleteProject(named: name)
        } catch AccountStoreError.projectNotEmpty(let repository) {
            throw RegistryError(
                .denied, "project \(name) still holds artifacts (in \(repository) first): delete them first", status: 409,
                detail: ["repository": repository])
        }
        // What this node remembers of the project goes too.
        webhooks.forget(name)
        quotas.forget(name)
        authenticator.forgetVerifiedCredentials()
        return Response(status: .noContent)
    }

    private func listMembers(_ context: BerthRequestContext, _ project: String) async throws -> Response {
        guard let found = try await accounts.project(named: project), try await canSee(found, context.identity) else {
            throw Self.projectUnknown(project)
        }
        return try Self.json(try await accounts.members(of: project).map { MemberBody(user: $0.user, role: $0.role) })
    }

    /// `POST …/members {"user","role"}` or `PUT …/members/{user} {"role"}`.
    private func setMember(_ request: Request, _ context: BerthRequestContext, project: String, user: String?) async throws -> Response {
        let identity = context.identity
        let body = try await Self.decode(NewMember.self, request, context)
        guard let name = user ?? body.user else { throw RegistryError(.unsupported, "user is required", status: 400) }
        guard try await accounts.user(named: name) != nil else { throw Self.userUnknown(name) }
        try await accounts.setMember(name, of: project, role: body.role)
        context.logger.notice("member set", metadata: ["project": "\(project)", "user": "\(name)", "role": "\(body.role.rawValue)", "by": "\(identity)"])
        return try Self.json(MemberBody(user: name, role: body.role), status: user == nil ? .created : .ok)
    }

    private func removeMember(project: String, user: String) async throws -> Response {
        guard try await accounts.removeMember(user, from: project) else { throw Self.userUnknown(user) }
        return Response(status: .noContent)
    }

    private func canSee(_ project: Project, _ identity: Identity) async throws -> Bool {
        if project.isPublic || identity.isAdmin { return true }
        guard let name = identity.name else { return false }
        return try await accounts.role(of: name, in: project.name) != nil
    }
}
