import BerthManagement
import BerthMetadata
import BerthPolicies
import BerthRegistry
import Foundation
import Hummingbird
import OCI

extension ManagementAPI {
    private struct NewProject: Decodable {
        let name: String
        let `public`: Bool?
        /// Makes it a pull-through cache (administrators only).
        let proxy: ProxyBinding?
    }

    /// Fields left out stay as they are; `"quota_bytes": null` removes the quota.
    private struct ProjectChange: Decodable {
        let change: ProjectService.Change

        enum CodingKeys: String, CodingKey { case `public`, quota = "quota_bytes" }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let isPublic = try container.decodeIfPresent(Bool.self, forKey: .public)
            let quota: ProjectService.QuotaChange =
                if !container.contains(.quota) { .unchanged }
                else if let bytes = try container.decodeIfPresent(Int64.self, forKey: .quota) { .bytes(bytes) }
                else { .unlimited }
            change = ProjectService.Change(isPublic: isPublic, quota: quota)
        }
    }

    private struct NewMember: Decodable {
        let user: String?
        let role: Role
    }

    private struct ProjectDetail: Encodable {
        let name: String
        let `public`: Bool
        /// Blob bytes in the project's repositories, each blob counted once.
        let storage_bytes: Int64
        /// nil: unlimited.
        let quota_bytes: Int64?
        /// The upstream of a pull-through cache project.
        let proxy: ProxyBinding?

        init(_ detail: ProjectService.Detail, proxy: ProxyBinding?) {
            (name, self.public, storage_bytes, quota_bytes) =
                (detail.project.name, detail.project.isPublic, detail.storageBytes, detail.project.quotaBytes)
            self.proxy = proxy
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(self.public, forKey: .public)
            try container.encode(storage_bytes, forKey: .storage_bytes)
            try container.encode(quota_bytes, forKey: .quota_bytes)  // null, not absent, when unlimited
            try container.encodeIfPresent(proxy, forKey: .proxy)
        }

        enum CodingKeys: String, CodingKey { case name, `public`, storage_bytes, quota_bytes, proxy }
    }

    func addProjectRoutes(to api: ManagementRoutes) {
        let (projects, registries) = (services.projects, services.registries)
        let projectAdmin = ManagementAccess.projectRole(.projectAdmin, parameter: "name")
        api.on("/projects", .get, requires: .signedIn) { _, context in
            try Self.json(try await projects.visibleProjects(by: context.requester).map { ProjectBody(name: $0.name, public: $0.isPublic) })
        }
        api.on("/projects", .post, requires: .signedIn) { request, context in
            let body = try await Self.decode(NewProject.self, request, context)
            if let proxy = body.proxy { try await registries.checkBinding(proxy, by: context.requester) }
            let project = try await projects.create(body.name, isPublic: body.public ?? false, by: context.requester)
            if let proxy = body.proxy { try await registries.bind(project.name, to: proxy, by: context.requester) }
            return try Self.json(ProjectBody(name: project.name, public: project.isPublic), status: .created)
        }
        api.on("/projects/{name}", .get, requires: .signedIn) { _, context in
            let name = try context.parameters.require("name")
            let detail = try await projects.detail(of: name, by: context.requester)
            return try Self.json(ProjectDetail(detail, proxy: (try? await registries.proxy(of: name, by: context.requester)) ?? nil))
        }
        api.on("/projects/{name}", .patch, requires: projectAdmin) { request, context in
            let change = try await Self.decode(ProjectChange.self, request, context).change
            let name = try context.parameters.require("name")
            let detail = try await projects.update(name, change, by: context.requester)
            return try Self.json(ProjectDetail(detail, proxy: (try? await registries.proxy(of: name, by: context.requester)) ?? nil))
        }
        api.on("/projects/{name}", .delete, requires: projectAdmin) { _, context in
            try await projects.delete(context.parameters.require("name"), by: context.requester)
            return Response(status: .noContent)
        }
        api.on("/projects/{name}/members", .get, requires: .signedIn) { _, context in
            let members = try await projects.members(of: context.parameters.require("name"), by: context.requester)
            return try Self.json(members.map { MemberBody(user: $0.user, role: $0.role) })
        }
        api.on("/projects/{name}/members", .post, requires: projectAdmin) { request, context in
            try await setMember(request, context, user: nil)
        }
        api.on("/projects/{name}/members/{user}", .put, requires: projectAdmin) { request, context in
            try await setMember(request, context, user: context.parameters.require("user"))
        }
        api.on("/projects/{name}/members/{user}", .delete, requires: projectAdmin) { _, context in
            try await projects.removeMember(
                context.parameters.require("user"), from: context.parameters.require("name"), by: context.requester)
            return Response(status: .noContent)
        }
    }

    /// `POST …/members {"user","role"}` or `PUT …/members/{user} {"role"}`.
    private func setMember(_ request: Request, _ context: BerthRequestContext, user: String?) async throws -> Response {
        let body = try await Self.decode(NewMember.self, request, context)
        guard let name = user ?? body.user else { throw RegistryError(.unsupported, "user is required", status: 400) }
        let member = try await services.projects.setMember(
            name, role: body.role, in: context.parameters.require("name"), by: context.requester)
        return try Self.json(MemberBody(user: member.user, role: member.role), status: user == nil ? .created : .ok)
    }
}
