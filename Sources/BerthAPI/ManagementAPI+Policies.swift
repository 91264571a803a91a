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

    func addPolicyRoutes(to api: ManagementRoutes) {
        let guest = ManagementAccess.projectRole(.guest, parameter: "name")
        let maintainer = ManagementAccess.projectRole(.maintainer, parameter: "name")
        api.on("/projects/{name}/immutability-rules", .get, requires: guest) { _, context in
            try Self.json(try await stores.rules.immutabilityRules(of: context.parameters.require("name")))
        }
        api.on("/projects/{name}/immutability-rules", .post, requires: maintainer) { request, context in
            let project = try context.parameters.require("name")
            let body = try await Self.decode(NewRule.self, request, context)
            guard Glob(body.repository) != nil, Glob(body.tag) != nil else {
                throw RegistryError(.unsupported, "patterns use *, **, ? and [classes]", status: 400)
            }
            let rule = ImmutabilityRule(
                id: Secrets.random(length: 12).lowercased(), project: project, repositoryPattern: body.repository, tagPattern: body.tag)
            try await stores.rules.addImmutabilityRule(rule)
            context.logger.notice("immutability rule added", metadata: ["project": "\(project)", "rule": "\(rule.id)", "by": "\(context.identity)"])
            return try Self.json(rule, status: .created)
        }
        api.on("/projects/{name}/immutability-rules/{id}", .delete, requires: maintainer) { _, context in
            let project = try context.parameters.require("name")
            let id = try context.parameters.require("id")
            guard try await stores.rules.deleteImmutabilityRule(id: id, project: project) else {
                throw RegistryError(.nameUnknown, "no rule \(id.prefix(32)) in \(project)", status: 404)
            }
            context.logger.notice("immutability rule deleted", metadata: ["project": "\(project)", "rule": "\(id)", "by": "\(context.identity)"])
            return Response(status: .noContent)
        }
    }
}

/// Retention policies: ProjectAdmins set them and run them (or a dry run);
/// every member with a role sees them and their runs.
extension ManagementAPI {
    func addRetentionRoutes(to api: ManagementRoutes) {
        let guest = ManagementAccess.projectRole(.guest, parameter: "name")
        let projectAdmin = ManagementAccess.projectRole(.projectAdmin, parameter: "name")
        api.on("/projects/{name}/retention", .get, requires: guest) { _, context in
            let project = try context.parameters.require("name")
            guard let policy = try await stores.rules.retentionPolicy(of: project) else {
                throw RegistryError(.nameUnknown, "project \(project) has no retention policy", status: 404)
            }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: policy)))
        }
        api.on("/projects/{name}/retention", .put, requires: projectAdmin) { request, context in
            let project = try context.parameters.require("name")
            let policy = try await Self.decode(RetentionPolicy.self, request, context)
            if let problem = policy.problem { throw RegistryError(.unsupported, problem, status: 400) }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let text = String(decoding: try encoder.encode(policy), as: UTF8.self)
            try await stores.rules.setRetentionPolicy(text, of: project)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        api.on("/projects/{name}/retention", .delete, requires: projectAdmin) { _, context in
            try await stores.rules.setRetentionPolicy(nil, of: context.parameters.require("name"))
            return Response(status: .noContent)
        }
        api.on("/projects/{name}/retention/runs", .post, requires: projectAdmin) { request, context in
            let project = try context.parameters.require("name")
            struct RunRequest: Decodable { let dry_run: Bool? }
            let body = try await Self.decodeIfPresent(RunRequest.self, request)
            return try Self.json(try await maintenance.applyRetention(project: project, dryRun: body?.dry_run ?? false), status: .created)
        }
        api.on("/projects/{name}/retention/runs", .get, requires: guest) { _, context in
            try Self.json(try await maintenance.recentRuns(kind: "retention", project: context.parameters.require("name")).map(RunBody.init))
        }
    }
}
