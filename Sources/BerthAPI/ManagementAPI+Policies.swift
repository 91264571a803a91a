import BerthAuth
import BerthMetadata
import BerthPolicies
import BerthRegistry
import Foundation
import Hummingbird
import Logging
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
