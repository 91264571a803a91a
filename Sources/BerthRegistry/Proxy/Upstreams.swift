import BerthAuth
import BerthClient
import BerthMetadata
import BerthPolicies
import Foundation
import Logging
import NIOHTTP1
import Synchronization

/// The registries proxy projects pull from: each project's binding (its
/// `proxy` setting, read through the node's settings cache) and one client
/// per registry, made with its opened password and kept until the
/// registry is deleted or the node stops.
public final class Upstreams: Sendable {
    let registries: any RegistryStore
    let settings: any ProjectSettingStore
    let secrets: SecretBox
    /// Each registry's client, and when its definition was last read
    /// (again after `recheck`: another node may have changed or deleted it).
    private let clients = Mutex<[String: (registry: UpstreamRegistry, client: RegistryClient, checked: Date)]>([:])
    static let recheck: TimeInterval = 10
    /// Which proxy project serves each upstream host, and until when that is believed.
    private let hostProjects = Mutex<(projects: [String: String], until: Date)?>(nil)
    /// Bindings decoded, by their stored text.
    private let bindings = Mutex<[String: ProxyBinding]>([:])

    /// Where the upstreams' rate limits are told (`/metrics`).
    let metrics: ProxyMetrics

    public init(registries: any RegistryStore, settings: any ProjectSettingStore, secrets: SecretBox, metrics: ProxyMetrics = ProxyMetrics()) {
        (self.registries, self.settings, self.secrets, self.metrics) = (registries, settings, secrets, metrics)
    }

    /// The project's binding, or nil when it is not a proxy project.
    public func binding(of project: String) async throws -> ProxyBinding? {
        guard let text = try await settings.setting(.proxy, of: project) else { return nil }
        if let known = bindings.withLock({ $0[text] }) { return known }
        let binding = try JSONDecoder().decode(ProxyBinding.self, from: Data(text.utf8))
        bindings.withLock { bindings in
            if bindings.count >= 1_000 { bindings.removeAll(keepingCapacity: true) }
            bindings[text] = binding
        }
        return binding
    }

    /// The registry and its client for a binding; throws naming a registry that is not (or no longer) defined.
    public func upstream(_ binding: ProxyBinding) async throws -> (registry: UpstreamRegistry, client: RegistryClient) {
        let now = Date()
        if let known = clients.withLock({ $0[binding.registry] }), known.checked > now.addingTimeInterval(-Self.recheck) {
            return (known.registry, known.client)
        }
        guard let registry = try await registries.registry(named: binding.registry) else {
            forget(binding.registry)
            throw ClientError("the upstream registry \(binding.registry) is not defined")
        }
        if let known = clients.withLock({ $0[registry.name] }), known.registry == registry {
            clients.withLock { $0[registry.name]?.checked = now }
            return (known.registry, known.client)
        }
        let made = try makeClient(registry)
        let (client, retired) = clients.withLock { clients -> (RegistryClient, RegistryClient?) in
            // Another request made one for this definition meanwhile: it is kept (it may be in use), ours goes.
            if let existing = clients[registry.name], existing.registry == registry {
                clients[registry.name]?.checked = now
                return (existing.client, made)
            }
            defer { clients[registry.name] = (registry, made, now) }
            return (made, clients[registry.name]?.client)
        }
        if let retired { Task { try? await retired.shutdown() } }
        return (registry, client)
    }

    /// A client of `registry` (for one use, such as a ping, or to keep).
    public func makeClient(_ registry: UpstreamRegistry) throws -> RegistryClient {
        let credentials = try registry.sealedPassword.map { sealed in
            RegistryClient.Credentials(username: registry.username ?? "", password: try secrets.open(sealed))
        }
        let host = registry.host
        let plain = registry.url.hasPrefix("http://")
        let (metrics, name) = (metrics, registry.name)
        return RegistryClient(
            insecure: registry.insecure || plain, caFile: registry.caFile, credentials: { asked in asked == host ? credentials : nil },
            onResponse: { asked, headers in
                // Docker Hub's `ratelimit-remaining: 76;w=21600` (and Berth's own `RateLimit-Remaining`).
                guard asked == host, let value = headers.first(name: "RateLimit-Remaining") else { return }
                let count = value.prefix { $0 != ";" }.trimmingCharacters(in: .whitespaces)
                if count.count <= 12, let remaining = Int64(count), remaining >= 0 { metrics.upstreamRemaining(name, remaining) }
            })
    }

    /// The proxy project bound to the registry at `host` (containerd's
    /// `?ns=`: `docker.io` is Docker Hub, however its URL names it); the
    /// projects' bindings are read again after `recheck`.
    public func project(mirroring host: String, bindings: @Sendable () async throws -> [(project: String, value: String)]) async throws -> String? {
        let wanted = Self.canonicalHost(host)
        let now = Date()
        if let known = hostProjects.withLock({ $0 }), known.until > now { return known.projects[wanted] }
        var projects: [String: String] = [:]
        for (project, text) in try await bindings() {
            guard let binding = try? JSONDecoder().decode(ProxyBinding.self, from: Data(text.utf8)),
                  let registry = try await registries.registry(named: binding.registry)
            else { continue }
            // The first project (by name) bound to a host answers for it.
            if projects[Self.canonicalHost(registry.host)] == nil { projects[Self.canonicalHost(registry.host)] = project }
        }
        hostProjects.withLock { $0 = (projects, now.addingTimeInterval(Self.recheck)) }
        return projects[wanted]
    }

    static func canonicalHost(_ host: String) -> String {
        let lowered = host.lowercased()
        return ["docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"].contains(lowered) ? "docker.io" : lowered
    }

    /// A registry was deleted: its client goes.
    public func forget(_ name: String) {
        if let client = clients.withLock({ $0.removeValue(forKey: name)?.client }) { Task { try? await client.shutdown() } }
    }

    public func shutdown() async {
        for client in clients.withLock({ clients in defer { clients = [:] }; return clients.values.map(\.client) }) {
            try? await client.shutdown()
        }
    }
}
