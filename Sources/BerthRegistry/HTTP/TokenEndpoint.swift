import BerthAuth
import BerthMetadata
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OCI

/// `GET /service/token` and the OAuth2 form `POST /service/token`: a signed
/// token holding, for each requested scope, only the actions the caller
/// really has (narrowed, never refused, as the token spec says).
public struct TokenEndpoint: Sendable {
    let authorizer: Authorizer
    /// Mirror mode: scopes name repositories as `/v2` will read them.
    let mirror: MirrorRouting?

    public init(authorizer: Authorizer, mirror: MirrorRouting? = nil) {
        self.authorizer = authorizer
        self.mirror = mirror
    }

    private func routed(_ scopes: [String]) async throws -> [String] {
        guard let mirror else { return scopes }
        var routed: [String] = []
        for scope in scopes.prefix(32) { routed.append(try await mirror.route(scope: scope)) }
        return routed
    }

    public func addRoutes(to router: Router<BerthRequestContext>) {
        router.get("/service/token") { request, context in
            let query = request.uri.queryParameters
            if let header = request.headers[.authorization], header.hasPrefix("Basic "),
               let (name, jwt) = Authenticator.basic(header), name == FederatedSignIn.userName, FederatedSignIn.isJWT(jwt)
            {
                return try await issueFederated(
                    jwt, service: query["service"].map(String.init), scopes: try await routed(query[values: "scope"].map(String.init)))
            }
            return try await issue(
                try Self.requester(context), service: query["service"].map(String.init),
                scopes: try await routed(query[values: "scope"].map(String.init)),
                offline: query["offline_token"] == "true")
        }
        router.post("/service/token") { request, context in
            var body = try await request.body.collect(upTo: 64 * 1024)
            let form = Self.parseForm(body.readString(length: body.readableBytes) ?? "")
            let identity: SignedIn
            switch form["grant_type"]?.first {
            case "password":
                guard let user = form["username"]?.first, let password = form["password"]?.first else {
                    throw RegistryError(.unsupported, "username and password are required", status: 400)
                }
                identity = try await verified(name: user, password: password, source: context.source)
            case "refresh_token":
                guard let refreshed = try await authenticator.identity(refreshToken: form["refresh_token"]?.first ?? "") else {
                    throw RegistryError(.unauthorized, "invalid refresh token")
                }
                identity = SignedIn(identity: refreshed)
            case "urn:ietf:params:oauth:grant-type:token-exchange":
                let types = ["urn:ietf:params:oauth:token-type:jwt", "urn:ietf:params:oauth:token-type:id_token"]
                guard let token = form["subject_token"]?.first, types.contains(form["subject_token_type"]?.first ?? types[0]) else {
                    throw RegistryError(.unsupported, "subject_token (a JWT) is required", status: 400)
                }
                return try await issueFederated(
                    token, service: form["service"]?.first,
                    scopes: try await routed((form["scope"] ?? []).flatMap { $0.split(separator: " ").map(String.init) }))
            default:
                throw RegistryError(.unsupported, "grant_type must be password, refresh_token or token exchange", status: 400)
            }
            return try await issue(
                identity, service: form["service"]?.first,
                scopes: try await routed((form["scope"] ?? []).flatMap { $0.split(separator: " ").map(String.init) }),
                offline: form["access_type"]?.first == "offline")
        }
    }

    private var authenticator: Authenticator { authorizer.authenticator }

    /// Who asks, by the Basic credentials of the request (the only kind read
    /// here): anonymous without them. Wrong ones are refused without a
    /// challenge, since this is where challenges lead.
    static func requester(_ context: BerthRequestContext) throws -> SignedIn {
        switch context.authentication {
        case .anonymous, .failed(.unsupportedScheme): return SignedIn(identity: .anonymous)
        case .authenticated(let caller): return SignedIn(identity: caller.identity, limit: caller.limit)
        case .failed(.invalid): throw RegistryError(.unauthorized, "invalid username or password")
        case .failed(.refused(let error)): throw error
        }
    }

    /// The identity of the OAuth2 form's user name and password.
    private func verified(name: String, password: String, source: String) async throws -> SignedIn {
        guard let signedIn = try await authenticator.verifyPassword(name: name, password: password, source: source) else {
            throw RegistryError(.unauthorized, "invalid username or password")
        }
        return signedIn
    }

    private struct TokenResponse: Encodable {
        let token: String
        let access_token: String
        let expires_in: Int
        let issued_at: String
        let refresh_token: String?
    }

    /// A token for `signedIn`; with `offline`, also a long-lived refresh token
    /// (for signed-in callers) that the OAuth2 form exchanges for new ones.
    /// A personal access token's sign-in is narrowed to what it lists, gets
    /// no refresh token (which would outlive it), and its tokens name it.
    func issue(_ signedIn: SignedIn, service: String?, scopes: [String], offline: Bool) async throws -> Response {
        let identity = signedIn.identity
        if let service, service != authenticator.tokens.service {
            throw RegistryError(.denied, "unknown service '\(service.prefix(100))'", status: 400)
        }
        var entries: [AccessEntry] = []
        for scope in scopes.prefix(32) {
            guard let (repository, requested) = Self.parseScope(scope) else { continue }
            var granted = try await authorizer.decisions.grant(requested, to: identity, on: repository)
            if let limit = signedIn.limit {
                // At most what the token lists, and at least what anyone may do.
                granted = limit.narrow(granted, in: repository.project)
                    .union(try await authorizer.decisions.grant(requested, to: .anonymous, on: repository))
            }
            entries.append(AccessEntry(type: "repository", name: repository.value, actions: granted.sorted().map(\.rawValue)))
        }
        let now = Date()
        let token = try authenticator.tokens.issue(subject: identity.name ?? "", access: entries, personalToken: signedIn.limit?.token, now: now)
        var refresh: String?
        if offline, signedIn.limit == nil, let name = identity.name, let (_, generation) = try await authenticator.credential(of: name) {
            refresh = try authenticator.refreshTokens.issue(subject: name, access: [], generation: generation, now: now)
        }
        return try Self.answer(token, lifetime: authenticator.tokens.lifetime, refresh: refresh, now: now)
    }

    /// A registry token for an OIDC token one federation rule accepts:
    /// the requested actions that rule grants, for the rule's lifetime.
    func issueFederated(_ jwt: String, service: String?, scopes: [String]) async throws -> Response {
        if let service, service != authenticator.tokens.service {
            throw RegistryError(.denied, "unknown service '\(service.prefix(100))'", status: 400)
        }
        let rule = try await authorizer.federation.rule(for: jwt)
        var entries: [AccessEntry] = []
        for scope in scopes.prefix(32) {
            guard let (repository, requested) = Self.parseScope(scope) else { continue }
            let granted = requested.intersection(Set((rule.grants[repository.project] ?? []).compactMap(Action.init(rawValue:))))
            entries.append(AccessEntry(type: "repository", name: repository.value, actions: granted.sorted().map(\.rawValue)))
        }
        let now = Date()
        let lifetime = TimeInterval(rule.tokenLifetimeSeconds)
        let token = try authenticator.tokens.issue(
            subject: "oidc/\(rule.name)", access: entries, federationRule: rule.name, lifetime: lifetime, now: now)
        return try Self.answer(token, lifetime: lifetime, refresh: nil, now: now)
    }

    private static func answer(_ token: String, lifetime: TimeInterval, refresh: String?, now: Date) throws -> Response {
        let body = TokenResponse(
            token: token, access_token: token, expires_in: Int(lifetime), issued_at: ISO8601DateFormatter().string(from: now),
            refresh_token: refresh)
        return Response(
            status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(body))))
    }

    /// `repository:team/app:pull,push` → the repository and actions; nil
    /// for other types or malformed scopes (which are ignored).
    static func parseScope(_ scope: String) -> (RepositoryName, Set<Action>)? {
        let parts = scope.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 3, parts[0] == "repository",
              let repository = try? RepositoryName(parsing: parts[1..<(parts.count - 1)].joined(separator: ":"))
        else { return nil }
        let names = parts[parts.count - 1].split(separator: ",").map(String.init)
        let actions = names.contains("*") ? Action.ordinary : Set(names.compactMap(Action.init(rawValue:)))
        return (repository, actions)
    }

    static func parseForm(_ text: String) -> [String: [String]] {
        var form: [String: [String]] = [:]
        for pair in text.split(separator: "&") {
            // Kept empty pieces: `=` alone is an empty name and value, not a missing index.
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            form[parts[0], default: []].append(parts.count > 1 ? parts[1] : "")
        }
        return form
    }
}
