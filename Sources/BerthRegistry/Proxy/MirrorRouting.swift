import BerthMetadata
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// Mirror mode (`mirror_project`): docker's `registry-mirrors` and
/// containerd's `hosts.toml` ask for `library/alpine`, with no project in
/// front. A name whose first component is not a project is read as a name
/// in the mirror project (`hub/library/alpine`), both on `/v2` and in the
/// token endpoint's scopes, so the token names what the request will touch.
/// containerd also says which registry it wants (`?ns=ghcr.io`): then the
/// proxy project bound to that host serves the name, whether or not a
/// mirror project is set.
public final class MirrorRouting: Sendable {
    /// The mirror project, for names that come without `?ns=` (or with one no project mirrors).
    let project: String?
    let exists: @Sendable (String) async throws -> Bool
    /// The proxy project bound to an upstream host, if any.
    let mirroring: @Sendable (String) async throws -> String?
    /// Whether each first component named a project, for a few seconds
    /// (every `/v2` request asks; a project created meanwhile waits that long).
    private let known = Mutex<[String: (exists: Bool, until: Date)]>([:])
    static let remembered: TimeInterval = 5

    public init(
        project: String?, exists: @escaping @Sendable (String) async throws -> Bool,
        mirroring: @escaping @Sendable (String) async throws -> String? = { _ in nil }
    ) {
        (self.project, self.exists, self.mirroring) = (project, exists, mirroring)
    }

    /// The name to serve `name` as: itself, or within the proxy project of
    /// the `ns` host, or within the mirror project.
    public func route(_ name: String, ns: String? = nil) async throws -> String {
        let first = String(name.prefix { $0 != "/" })
        guard !first.isEmpty else { return name }
        let mirror: String?
        if let ns, ns.count <= 255, let bound = try await mirroring(ns) { mirror = bound } else { mirror = project }
        guard let mirror, first != mirror else { return name }
        let now = Date()
        if let entry = known.withLock({ $0[first] }), entry.until > now { return entry.exists ? name : mirror + "/" + name }
        let found = try await exists(first)
        known.withLock { known in
            if known.count >= 10_000 { known.removeAll(keepingCapacity: true) }
            known[first] = (found, now.addingTimeInterval(Self.remembered))
        }
        return found ? name : mirror + "/" + name
    }

    /// `repository:NAME:ACTIONS` with NAME routed; other scopes as they are.
    func route(scope: String) async throws -> String {
        let parts = scope.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "repository" else { return scope }
        return "repository:\(try await route(String(parts[1]))):\(parts[2])"
    }
}

/// Rewrites `/v2/<name>/…` as mirror mode reads the name, before anything
/// (authentication, access, the handlers) looks at it.
public struct MirrorMiddleware: RouterMiddleware {
    public typealias Context = BerthRequestContext
    let routing: MirrorRouting

    public init(routing: MirrorRouting) {
        self.routing = routing
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // Most requests are neither: no mirror project, no `ns`; they pass untouched, unparsed.
        let ns = request.uri.query?.contains("ns=") == true ? request.uri.queryParameters["ns"].map(String.init) : nil
        guard routing.project != nil || ns != nil else { return try await next(request, context) }
        let path = request.uri.path
        guard let route = V2Route(path: path), let name = route.name else { return try await next(request, context) }
        let routed = try await routing.route(name, ns: ns)
        guard routed != name, path.hasPrefix("/v2/" + name + "/") else { return try await next(request, context) }
        var head = request.head
        let query = request.uri.query.map { "?" + $0 } ?? ""
        let rest = String(decoding: path.utf8.dropFirst("/v2/\(name)/".utf8.count), as: UTF8.self)
        head.path = "/v2/\(routed)/\(rest)\(query)"
        return try await next(Request(head: head, body: request.body), context)
    }
}

extension V2Route {
    /// The repository a route addresses, if any.
    var name: String? {
        switch self {
        case .base, .catalog: nil
        case .tags(let name), .manifest(let name, _), .blob(let name, _), .uploads(let name), .upload(let name, _), .referrers(let name, _): name
        }
    }
}
