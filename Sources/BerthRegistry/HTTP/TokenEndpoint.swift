import BerthAuth
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

    public init(authorizer: Authorizer) {
        self.authorizer = authorizer
    }

    public func addRoutes(to router: Router<BerthRequestContext>) {
        router.get("/service/token") { request, context in
            let query = request.uri.queryParameters
            return try await issue(
                request, source: context.source, credentials: Authorizer.basic(request.headers[.authorization] ?? ""),
                service: query["service"].map(String.init), scopes: query[values: "scope"].map(String.init))
        }
        router.post("/service/token") { request, context in
            var body = try await request.body.collect(upTo: 64 * 1024)
            let form = Self.parseForm(body.readString(length: body.readableBytes) ?? "")
            guard form["grant_type"]?.first == "password", let user = form["username"]?.first, let password = form["password"]?.first
            else { throw RegistryError(.unsupported, "grant_type must be password", status: 400) }
            return try await issue(
                request, source: context.source, credentials: (user, password), service: form["service"]?.first,
                scopes: (form["scope"] ?? []).flatMap { $0.split(separator: " ").map(String.init) })
        }
    }

    private struct TokenResponse: Encodable {
        let token: String
        let access_token: String
        let expires_in: Int
        let issued_at: String
    }

    func issue(
        _ request: Request, source: String, credentials: (String, String)?, service: String?, scopes: [String]
    ) async throws -> Response {
        if let service, service != authorizer.tokens.service {
            throw RegistryError(.denied, "unknown service '\(service.prefix(100))'", status: 400)
        }
        var identity = Identity.anonymous
        if let (name, password) = credentials {
            guard let verified = try await authorizer.verifyPassword(name: name, password: password, source: source) else {
                throw RegistryError(.unauthorized, "invalid username or password")
            }
            identity = verified
        }
        var entries: [AccessEntry] = []
        for scope in scopes.prefix(32) {
            guard let (repository, requested) = Self.parseScope(scope) else { continue }
            let granted = try await authorizer.access.grant(requested, to: identity, on: repository)
            entries.append(AccessEntry(type: "repository", name: repository.value, actions: granted.sorted().map(\.rawValue)))
        }
        let now = Date()
        let token = try authorizer.tokens.issue(subject: identity.name ?? "", access: entries, now: now)
        let body = TokenResponse(
            token: token, access_token: token, expires_in: Int(authorizer.tokens.lifetime),
            issued_at: ISO8601DateFormatter().string(from: now))
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
        let actions = names.contains("*") ? Set(Action.allCases) : Set(names.compactMap(Action.init(rawValue:)))
        return (repository, actions)
    }

    static func parseForm(_ text: String) -> [String: [String]] {
        var form: [String: [String]] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            form[parts[0], default: []].append(parts.count > 1 ? parts[1] : "")
        }
        return form
    }
}
