import OCI

/// What makes a project a pull-through cache: the registry it mirrors,
/// how long a tag is served before the upstream is asked again, and how
/// much the cache may hold before the least recently pulled goes.
public struct ProxyBinding: Codable, Sendable, Equatable {
    public var registry: String
    public var ttlSeconds: Int
    /// Bytes of blobs the project may hold (nil: no limit).
    public var maxBytes: Int64?

    public static let defaultTTL = 300
    public static let longestTTL = 30 * 86_400

    /// The smallest limit: one megabyte (a smaller cache could not hold an image).
    public static let smallestLimit: Int64 = 1 << 20

    public init(registry: String, ttlSeconds: Int = defaultTTL, maxBytes: Int64? = nil) {
        (self.registry, self.ttlSeconds, self.maxBytes) = (registry, ttlSeconds, maxBytes)
    }

    enum CodingKeys: String, CodingKey { case registry, ttlSeconds = "ttl_seconds", maxBytes = "max_bytes" }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        registry = try c.decode(String.self, forKey: .registry)
        ttlSeconds = try c.decodeIfPresent(Int.self, forKey: .ttlSeconds) ?? Self.defaultTTL
        maxBytes = try c.decodeIfPresent(Int64.self, forKey: .maxBytes)
    }

    /// Why it cannot be stored, or nil.
    public var problem: String? {
        guard !registry.isEmpty, registry.count <= 64 else { return "proxy.registry must name a registry" }
        guard (0...Self.longestTTL).contains(ttlSeconds) else { return "proxy.ttl_seconds must be 0 to \(Self.longestTTL)" }
        if let maxBytes, maxBytes < Self.smallestLimit { return "proxy.max_bytes must be at least \(Self.smallestLimit)" }
        return nil
    }
}

/// A pull-through cache project holds what its upstream has: pushes into it are refused.
public struct ProxyProjectsAreReadOnly: PushPolicy {
    let isProxy: @Sendable (String) async throws -> Bool

    public init(isProxy: @escaping @Sendable (String) async throws -> Bool) {
        self.isProxy = isProxy
    }

    public func admitBlob(into repository: RepositoryName, digest: Digest?, size: @Sendable () async throws -> Int64) async throws {
        try await refuse(repository)
    }

    public func admitManifest(_ manifest: Manifest, tag: Tag?, into repository: RepositoryName) async throws -> PushConditions {
        try await refuse(repository)
        return .init()
    }

    private func refuse(_ repository: RepositoryName) async throws {
        let project = repository.project
        if try await isProxy(project) {
            throw RegistryError(.denied, "project \(project) is a pull-through cache of another registry: it takes no pushes", status: 403)
        }
    }
}
