import BerthManagement
import BerthMetadata
import BerthPolicies
import BerthRegistry
import BerthSigning
import Foundation
import Hummingbird
import NIOCore
import OCI

/// Tag immutability rules of a project.
extension ManagementAPI {
    private struct NewRule: Decodable {
        let repository: String
        let tag: String
    }

    func addPolicyRoutes(to api: ManagementRoutes) {
        let policies = services.policies
        let guest = ManagementAccess.projectRole(.guest, parameter: "name")
        let maintainer = ManagementAccess.projectRole(.maintainer, parameter: "name")
        api.on("/projects/{name}/immutability-rules", .get, requires: guest) { _, context in
            try Self.json(try await policies.immutabilityRules(of: context.parameters.require("name"), by: context.requester))
        }
        api.on("/projects/{name}/immutability-rules", .post, requires: maintainer) { request, context in
            let body = try await Self.decode(NewRule.self, request, context)
            let rule = try await policies.addImmutabilityRule(
                repository: body.repository, tag: body.tag, to: context.parameters.require("name"), by: context.requester)
            return try Self.json(rule, status: .created)
        }
        api.on("/projects/{name}/immutability-rules/{id}", .delete, requires: maintainer) { _, context in
            try await policies.deleteImmutabilityRule(
                context.parameters.require("id"), from: context.parameters.require("name"), by: context.requester)
            return Response(status: .noContent)
        }
    }
}

/// A project's settings kept as one document each: read by its members,
/// replaced whole or removed by its ProjectAdmins.
extension ManagementAPI {
    func addSettingRoutes(to api: ManagementRoutes) {
        addSettingRoutes(.tagRules, TagRules.self, problem: \.problem, to: api)
        addSettingRoutes(.signing, SigningPolicy.self, problem: \.problem, to: api)
        addSettingRoutes(.scanning, ScanningSettings.self, problem: \.problem, to: api)
        let policies = services.policies
        // The system-wide allowlist: the same document, of which only `allowlist` counts.
        api.on("/system/scanning", .get, requires: .signedIn) { _, context in
            Self.storedJSON(try await policies.systemSetting(.scanning, by: context.requester) ?? #"{"allowlist":[]}"#)
        }
        api.on("/system/scanning", .put, requires: .admin) { request, context in
            let value = try await Self.decode(ScanningSettings.self, request, context)
            return Self.storedJSON(try await policies.setSystemSetting(.scanning, to: value, problem: value.problem, by: context.requester))
        }
        let signatures = services.signatures
        api.on("/signatures", .get, requires: .signedIn) { request, context in
            let query = request.uri.queryParameters
            guard let repository = query["repository"].map(String.init), let digest = query["digest"].map(String.init) else {
                throw RegistryError(.unsupported, "name the artifact: ?repository=<name>&digest=<digest>", status: 400)
            }
            return try Self.json(try await signatures.verdict(repository: repository, digest: digest, by: context.requester))
        }
    }

    private func addSettingRoutes<Setting: Codable & Sendable>(
        _ name: ProjectSetting, _ type: Setting.Type, problem: @escaping @Sendable (Setting) -> String?, to api: ManagementRoutes
    ) {
        let policies = services.policies
        let path = "/projects/{name}/\(name.rawValue)"
        api.on(path, .get, requires: .projectRole(.guest, parameter: "name")) { _, context in
            Self.storedJSON(try await policies.setting(name, of: context.parameters.require("name"), by: context.requester))
        }
        api.on(path, .put, requires: .projectRole(.projectAdmin, parameter: "name")) { request, context in
            let value = try await Self.decode(Setting.self, request, context)
            return Self.storedJSON(try await policies.setSetting(
                name, to: value, problem: problem(value), of: context.parameters.require("name"), by: context.requester))
        }
        api.on(path, .delete, requires: .projectRole(.projectAdmin, parameter: "name")) { _, context in
            try await policies.removeSetting(name, of: context.parameters.require("name"), by: context.requester)
            return Response(status: .noContent)
        }
    }
}

/// A project's retention policy and its runs.
extension ManagementAPI {
    func addRetentionRoutes(to api: ManagementRoutes) {
        let (policies, maintenance) = (services.policies, services.maintenance)
        let guest = ManagementAccess.projectRole(.guest, parameter: "name")
        let projectAdmin = ManagementAccess.projectRole(.projectAdmin, parameter: "name")
        api.on("/projects/{name}/retention", .get, requires: guest) { _, context in
            Self.storedJSON(try await policies.retentionPolicy(of: context.parameters.require("name"), by: context.requester))
        }
        api.on("/projects/{name}/retention", .put, requires: projectAdmin) { request, context in
            let policy = try await Self.decode(RetentionPolicy.self, request, context)
            return Self.storedJSON(try await policies.setRetentionPolicy(policy, of: context.parameters.require("name"), by: context.requester))
        }
        api.on("/projects/{name}/retention", .delete, requires: projectAdmin) { _, context in
            try await policies.removeRetentionPolicy(of: context.parameters.require("name"), by: context.requester)
            return Response(status: .noContent)
        }
        api.on("/projects/{name}/retention/runs", .post, requires: projectAdmin) { request, context in
            struct RunRequest: Decodable { let dry_run: Bool? }
            let body = try await Self.decodeIfPresent(RunRequest.self, request)
            let report = try await maintenance.applyRetention(
                of: context.parameters.require("name"), dryRun: body?.dry_run ?? false, by: context.requester)
            return try Self.json(report, status: .created)
        }
        api.on("/projects/{name}/retention/runs", .get, requires: guest) { _, context in
            try Self.json(try await maintenance.retentionRuns(of: context.parameters.require("name"), by: context.requester).map(RunBody.init))
        }
    }

    /// A policy as it was stored (already JSON).
    private static func storedJSON(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
