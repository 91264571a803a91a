import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OCI

/// What a registry lists (repositories, tags, referrers), and deletions:
/// what replication needs beyond copying.
extension RegistryClient {
    /// Names listed at most, whatever the registry offers: a listing is held in memory.
    public static let maxListed = 100_000

    /// Every repository of the catalog (`/v2/_catalog`), page by page.
    public func catalog(on host: String) async throws -> [String] {
        try await signIn(host, for: .catalog)
        return try await pages("/v2/_catalog?n=1000", on: host, scope: .catalog, key: "repositories", what: "the catalog")
    }

    /// Every tag of `repository`, page by page.
    public func tags(_ repository: String, on host: String) async throws -> [String] {
        try await pages("/v2/\(repository)/tags/list?n=1000", on: host, scope: .pull(repository), key: "tags", what: "the tags of \(repository)")
    }

    /// The referrers of `subject` (an empty list where the registry has no referrers API).
    public func referrers(_ repository: String, of subject: Digest, on host: String) async throws -> [Descriptor] {
        struct Index: Decodable { let manifests: [Descriptor]? }
        let response = try await send(
            .GET, "/v2/\(repository)/referrers/\(subject)", on: host, scope: .pull(repository),
            headers: [("Accept", MediaType.ociIndex)])
        let body = try await response.body.collect(upTo: Manifest.maxSize)
        guard response.status == .ok else {
            if response.status == .notFound { return [] }
            throw ClientError("\(host) answered \(response.status.code) for the referrers of \(repository)@\(subject)\(Self.errorText(body))",
                              status: Int(response.status.code))
        }
        return try JSONDecoder().decode(Index.self, from: Data(body.readableBytesView)).manifests ?? []
    }

    /// The digest `reference` names in `repository` (a `HEAD`), or nil when there is none.
    public func manifestDigest(_ repository: String, _ reference: String, on host: String) async throws -> Digest? {
        let response = try await send(.HEAD, "/v2/\(repository)/manifests/\(reference)", on: host, scope: .pull(repository))
        _ = try? await response.body.collect(upTo: 1 << 16)
        switch response.status.code {
        case 200:
            if let header = response.headers.first(name: "Docker-Content-Digest"), let digest = try? Digest(parsing: header) { return digest }
            return try await manifest(repository, reference, on: host).digest
        case 404: return nil
        default:
            throw ClientError("\(host) answered \(response.status.code) for the manifest \(repository):\(reference)", status: Int(response.status.code))
        }
    }

    /// Deletes a manifest by digest, or a tag; true when there was one.
    public func deleteManifest(_ repository: String, _ reference: String, on host: String) async throws -> Bool {
        let response = try await send(.DELETE, "/v2/\(repository)/manifests/\(reference)", on: host, scope: .delete(repository))
        let body = try? await response.body.collect(upTo: 1 << 16)
        switch response.status.code {
        case 202, 200, 204: return true
        case 404: return false
        default:
            throw ClientError("\(host) answered \(response.status.code) to deleting \(repository):\(reference)\(body.map(Self.errorText) ?? "")",
                              status: Int(response.status.code))
        }
    }

    /// Follows `Link: <…>; rel="next"` from `path`, collecting the array `key` of each page.
    private func pages(_ path: String, on host: String, scope: Scope, key: String, what: String) async throws -> [String] {
        var names: [String] = []
        var next: String? = path
        var seen: Set<String> = []
        while let current = next, seen.insert(current).inserted {
            let response = try await send(.GET, current, on: host, scope: scope, headers: [("Accept", "application/json")])
            let body = try await response.body.collect(upTo: 16 << 20)
            guard response.status == .ok else {
                throw ClientError("\(host) answered \(response.status.code) for \(what)\(Self.errorText(body))", status: Int(response.status.code))
            }
            let page = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
            names += (page?[key] as? [String]) ?? []
            guard names.count <= Self.maxListed else { throw ClientError("\(host) lists more than \(Self.maxListed) entries for \(what)") }
            next = response.headers.first(name: "Link").flatMap(Self.nextPage)
        }
        return names
    }

    /// The target of a `Link` header's `rel="next"`, when it is a path on the same registry.
    static func nextPage(_ link: String) -> String? {
        guard link.contains("rel=\"next\""), let open = link.firstIndex(of: "<"), let close = link.firstIndex(of: ">"), open < close else { return nil }
        let target = String(link[link.index(after: open)..<close])
        return target.hasPrefix("/v2/") ? target : nil
    }
}
