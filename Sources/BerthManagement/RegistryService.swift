import BerthAuth
import BerthClient
import BerthMetadata
import BerthPolicies
import BerthRegistry
import Foundation
import Logging
import OCI

/// Other registries (`/api/v1/registries`, administrators): where they are
/// and how to sign in, with passwords sealed and never shown; and which
/// projects are pull-through caches of them (the `proxy` setting, which
/// only administrators set: a binding lends the registry's credentials).
public struct RegistryService: Sendable {
    let store: any RegistryStore
    let upstreams: Upstreams
    let secrets: SecretBox
    let settings: any ProjectSettingStore
    let permissions: ManagementPermissions
    let audit: ChangeAudit

    /// What the API takes to define a registry.
    public struct Definition: Sendable {
        public let name: String
        public let url: String
        public let username: String?
        public let password: String?
        public let insecure: Bool
        public let caFile: String?

        public init(name: String, url: String, username: String?, password: String?, insecure: Bool, caFile: String?) {
            (self.name, self.url, self.username, self.password, self.insecure, self.caFile) = (name, url, username, password, insecure, caFile)
        }
    }

    public func registries(by requester: Requester) async throws -> [UpstreamRegistry] {
        try await permissions.check(.admin, requester)
        return try await store.registries()
    }

    public func registry(_ name: String, by requester: Requester) async throws -> UpstreamRegistry {
        try await permissions.check(.admin, requester)
        guard let registry = try await store.registry(named: name) else { throw Self.unknown(name) }
        return registry
    }

    public func create(_ definition: Definition, by requester: Requester) async throws -> UpstreamRegistry {
        try await permissions.check(.admin, requester)
        if let problem = Self.problem(of: definition) { throw RegistryError(.unsupported, problem, status: 400) }
        let registry = UpstreamRegistry(
            name: definition.name, url: definition.url.hasSuffix("/") ? String(definition.url.dropLast()) : definition.url,
            username: definition.username, sealedPassword: try definition.password.map(secrets.seal), insecure: definition.insecure,
            caFile: definition.caFile, createdAt: Date())
        do {
            try await store.createRegistry(registry)
        } catch AccountStoreError.exists {
            throw RegistryError(.unsupported, "a registry named \(definition.name) exists", status: 409)
        }
        requester.logger.notice("registry defined", metadata: ["registry": "\(registry.name)", "url": "\(registry.url)"])
        audit.record(requester, .created, "registries/\(registry.name)")
        return registry
    }

    public func delete(_ name: String, by requester: Requester) async throws {
        try await permissions.check(.admin, requester)
        guard try await store.deleteRegistry(named: name) else { throw Self.unknown(name) }
        upstreams.forget(name)
        audit.record(requester, .deleted, "registries/\(name)")
    }

    /// Whether the registry answers and takes the credentials: nil, or what went wrong.
    public func ping(_ name: String, by requester: Requester) async throws -> String? {
        let registry = try await self.registry(name, by: requester)
        let client = try upstreams.makeClient(registry)
        defer { Task { try? await client.shutdown() } }
        do {
            try await client.ping(registry.host)
            return nil
        } catch {
            return "\(error)"
        }
    }

    // MARK: Proxy projects

    public func proxy(of project: String, by requester: Requester) async throws -> ProxyBinding? {
        try await permissions.check(.projectRole(.guest, in: project), requester)
        return try await upstreams.binding(of: project)
    }

    /// Makes `project` a pull-through cache of `binding`'s registry.
    public func bind(_ project: String, to binding: ProxyBinding, by requester: Requester) async throws {
        let identity = try await permissions.check(.admin, requester)
        _ = try await permissions.visibleProject(project, requester)
        try await checkBinding(binding, by: requester)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        try await settings.setSetting(.proxy, of: project, to: String(decoding: try encoder.encode(binding), as: UTF8.self))
        requester.logger.notice("project bound to an upstream", metadata: ["project": "\(project)", "registry": "\(binding.registry)", "by": "\(identity)"])
        audit.record(requester, .changed, "projects/\(project)/proxy", project: project)
    }

    /// Refuses a binding that cannot be stored (before a project is created with it).
    public func checkBinding(_ binding: ProxyBinding, by requester: Requester) async throws {
        try await permissions.check(.admin, requester)
        if let problem = binding.problem { throw RegistryError(.unsupported, problem, status: 400) }
        guard try await store.registry(named: binding.registry) != nil else {
            throw RegistryError(.unsupported, "proxy.registry: no registry \(binding.registry.prefix(64)) is defined", status: 400)
        }
    }

    public func unbind(_ project: String, by requester: Requester) async throws {
        try await permissions.check(.admin, requester)
        try await settings.setSetting(.proxy, of: project, to: nil)
        audit.record(requester, .deleted, "projects/\(project)/proxy", project: project)
    }

    static func problem(of definition: Definition) -> String? {
        if (try? AccountNames.validate(definition.name, what: "registry")) == nil {
            return "registry names are lowercase letters and digits, separated by '.', '_' or '-'"
        }
        guard definition.url.count <= 512, let url = URLComponents(string: definition.url), url.scheme == "https" || url.scheme == "http",
              let host = url.host, !host.isEmpty, url.path.isEmpty || url.path == "/", url.query == nil, url.user == nil
        else { return "url must be https://host[:port] (or http:// for plain HTTP), with no path" }
        if (definition.username == nil) != (definition.password == nil) { return "username and password go together" }
        if let username = definition.username, username.isEmpty || username.count > 256 { return "username must be 1 to 256 characters" }
        if let password = definition.password, password.isEmpty || password.utf8.count > 4096 { return "password must be 1 to 4096 bytes" }
        if let caFile = definition.caFile, !caFile.hasPrefix("/") || !FileManager.default.isReadableFile(atPath: caFile) {
            return "ca_file must be the absolute path of a readable PEM file"
        }
        return nil
    }

    static func unknown(_ name: String) -> RegistryError {
        RegistryError(.nameUnknown, "no registry \(name.prefix(64))", status: 404)
    }
}
