import BerthManagement
import BerthMetadata
import BerthPolicies
import Foundation
import Hummingbird
import OCI

/// Other registries (administrators) and proxy projects' bindings to them.
extension ManagementAPI {
    struct RegistryBody: Codable {
        let name: String
        let url: String
        let username: String?
        /// Taken, never given back.
        let password: String?
        let insecure: Bool?
        let ca_file: String?
        let created_at: String?

        init(_ registry: UpstreamRegistry) {
            (name, url, username, password, insecure, ca_file) = (registry.name, registry.url, registry.username, nil, registry.insecure, registry.caFile)
            created_at = ISO8601DateFormatter().string(from: registry.createdAt)
        }
    }

    func addRegistryRoutes(to api: ManagementRoutes) {
        let registries = services.registries
        api.on("/registries", .get, requires: .admin) { _, context in
            try Self.json(try await registries.registries(by: context.requester).map(RegistryBody.init))
        }
        api.on("/registries", .post, requires: .admin) { request, context in
            let body = try await Self.decode(RegistryBody.self, request, context)
            let definition = RegistryService.Definition(
                name: body.name, url: body.url, username: body.username, password: body.password, insecure: body.insecure ?? false,
                caFile: body.ca_file)
            return try Self.json(RegistryBody(try await registries.create(definition, by: context.requester)), status: .created)
        }
        api.on("/registries/{registry}", .get, requires: .admin) { _, context in
            try Self.json(RegistryBody(try await registries.registry(context.parameters.require("registry"), by: context.requester)))
        }
        api.on("/registries/{registry}", .delete, requires: .admin) { _, context in
            try await registries.delete(context.parameters.require("registry"), by: context.requester)
            return Response(status: .noContent)
        }
        api.on("/registries/{registry}/ping", .post, requires: .admin) { _, context in
            struct Answer: Encodable { let ok: Bool; let error: String? }
            let problem = try await registries.ping(context.parameters.require("registry"), by: context.requester)
            return try Self.json(Answer(ok: problem == nil, error: problem))
        }
        api.on("/projects/{name}/proxy", .get, requires: .projectRole(.guest, parameter: "name")) { _, context in
            let name = try context.parameters.require("name")
            guard let binding = try await registries.proxy(of: name, by: context.requester) else {
                throw RegistryError(.nameUnknown, "project \(name) is not a pull-through cache", status: 404)
            }
            return try Self.json(binding)
        }
        api.on("/projects/{name}/proxy", .put, requires: .admin) { request, context in
            let binding = try await Self.decode(ProxyBinding.self, request, context)
            try await registries.bind(try context.parameters.require("name"), to: binding, by: context.requester)
            return try Self.json(binding)
        }
        api.on("/projects/{name}/proxy", .delete, requires: .admin) { _, context in
            try await registries.unbind(try context.parameters.require("name"), by: context.requester)
            return Response(status: .noContent)
        }
    }
}
