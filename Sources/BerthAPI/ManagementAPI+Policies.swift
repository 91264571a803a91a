import BerthAuth
import BerthMetadata
import BerthPolicies
import BerthRegistry
import Foundation
import Hummingbird
import Logging
import NIOCore
import OCI

/// Tag immutability rules of a project, managed by Maintainers and above.
extension ManagementAPI {
    private struct NewRule: Decodable {
        let repository: String
        let tag: String
    }

    func addPolicyRoutes(to api: RouterGroup<BerthRequestContext>) {
        api.get("/projects/{name}/immutability-rules") { request, context in
            let project = try context.parameters.require("name")
            _ = try await requireRole(request, context, project, atLeast: .guest)
            return try Self.json(try await store.immutabilityRules(of: project))
        }
        api.post("/projects/{name}/immutability-rules") { request, context in
            let project = try context.parameters.require("name")
            let identity = try await requireRole(request, context, project, atLeast: .maintainer)
            let body = try await Self.decode(NewRule.self, request, context)
            guard Glob(body.repository) != nil, Glob(body.tag) != nil else {
                throw RegistryError(.unsupported, "patterns use *, **, ? and [classes]", status: 400)
            }
            let rule = ImmutabilityRule(
                id: Secrets.random(length: 12).lowercased(), project: project, repositoryPattern: body.repository, tagPattern: body.tag)
            try await store.addImmutabilityRule(rule)
            context.logger.notice("immutability rule added", metadata: ["project": "\(project)", "rule": "\(rule.id)", "by": "\(identity)"])
            return try Self.json(rule, status: .created)
        }
        api.delete("/projects/{name}/immutability-rules/{id}") { request, context in
            let project = try context.parameters.require("name")
            let identity = try await requireRole(request, context, project, atLeast: .maintainer)
            let id = try context.parameters.require("id")
            guard try await store.deleteImmutabilityRule(id: id, project: project) else {
                throw RegistryError(.nameUnknown, "no rule \(id.prefix(32)) in \(project)", status: 404)
            }
            context.logger.notice("immutability rule deleted", metadata: ["project": "\(project)", "rule": "\(id)", "by": "\(identity)"])
            return Response(status: .noContent)
        }
    }
}

/// Retention policies: ProjectAdmins set them and run them (or a dry run);
/// every member with a role sees them and their runs.
extension ManagementAPI {
    func addRetentionRoutes(to api: RouterGroup<BerthRequestContext>) {
        api.get("/projects/{name}/retention") { request, context in
            let project = try context.parameters.require("name")
            _ = try await requireRole(request, context, project, atLeast: .guest)
            guard let policy = try await store.retentionPolicy(of: project) else {
                throw RegistryError(.nameUnknown, "project \(project) has no retention policy", status: 404)
            }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: policy)))
        }
        api.put("/projects/{name}/retention") { request, context in
            let project = try context.parameters.require("name")
            _ = try await requireProjectAdmin(request, context, project)
            let policy = try await Self.decode(RetentionPolicy.self, request, context)
            if let problem = policy.problem { throw RegistryError(.unsupported, problem, status: 400) }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let text = String(decoding: try encoder.encode(policy), as: UTF8.self)
            try await store.setRetentionPolicy(text, of: project)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        api.delete("/projects/{name}/retention") { request, context in
            let project = try context.parameters.require("name")
            _ = try await requireProjectAdmin(request, context, project)
            try await store.setRetentionPolicy(nil, of: project)
            return Response(status: .noContent)
        }
        api.post("/projects/{name}/retention/runs") { request, context in
            let project = try context.parameters.require("name")
            _ = try await requireProjectAdmin(request, context, project)
            struct RunRequest: Decodable { let dry_run: Bool? }
            let body = try await Self.decodeIfPresent(RunRequest.self, request)
            return try Self.json(try await maintenance.applyRetention(project: project, dryRun: body?.dry_run ?? false), status: .created)
        }
        api.get("/projects/{name}/retention/runs") { request, context in
            let project = try context.parameters.require("name")
            _ = try await requireRole(request, context, project, atLeast: .guest)
            return try Self.json(try await maintenance.recentRuns(kind: "retention", project: project).map(RunBody.init))
        }
    }
}
