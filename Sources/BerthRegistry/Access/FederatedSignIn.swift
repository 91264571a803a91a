import AsyncHTTPClient
import BerthAuth
import BerthMetadata
import BerthPolicies
import Foundation
import NIOCore
import NIOHTTP1
import OCI
import Synchronization

/// CI federation: an OIDC token of a trusted issuer (GitHub Actions,
/// GitLab CI, any issuer with a JWKS) exchanged for a short-lived registry
/// token, by the first rule whose audience and claims it matches. The
/// issuer's keys come from its discovery document, are kept for 10
/// minutes, and are fetched again when a token names a key they lack (a
/// rotation), at most every 2 seconds.
public final class FederatedSignIn: Sendable {
    let rules: any FederationRuleStore
    let http: HTTPClient

    private struct Keys {
        var keys: [JSONWebKey]
        var fetchedAt: Date
    }

    private let keys = Mutex<[String: Keys]>([:])
    static let keysLifetime: TimeInterval = 600
    /// The user name of `docker login` with an OIDC token as the password.
    public static let userName = "oidc"
    static let refetchInterval: TimeInterval = 2

    public init(rules: any FederationRuleStore) {
        self.rules = rules
        http = Self.client
    }

    /// One for the process (never shut down, like `HTTPClient.shared`), but
    /// following no redirect: a redirect must not lead the key fetch off https.
    private static let client = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: .init(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: .seconds(10))))

    /// Whether `text` looks like a JWT (`docker login -u oidc` is federation only then).
    public static func isJWT(_ text: String) -> Bool {
        text.hasPrefix("ey") && text.split(separator: ".", omittingEmptySubsequences: false).count == 3
    }

    /// The rule `token` satisfies, or 401 `UNAUTHORIZED` saying why not.
    public func rule(for token: String, now: Date = Date()) async throws -> FederationRule {
        let jwt: ExternalJWT
        do {
            jwt = try ExternalJWT(parsing: token)
            try jwt.checkTimes(now: now)
        } catch {
            throw Self.refusal("\(error)")
        }
        let candidates = try await rules.federationRules(issuer: jwt.claims.issuer)
        guard !candidates.isEmpty else { throw Self.refusal("no federation rule trusts the issuer \(jwt.claims.issuer.prefix(200))") }
        guard try await isSigned(jwt, now: now) else { throw Self.refusal("the token's signature does not verify with its issuer's keys") }
        let claims = jwt.claims
        guard let rule = candidates.first(where: { rule in
            claims.audiences.contains(rule.audience)
                && rule.claims.allSatisfy { name, pattern in claims.values[name].map { Glob(pattern)?.matches($0) ?? false } ?? false }
        }) else { throw Self.refusal("the token matches no federation rule of its issuer (audience and claims)") }
        return rule
    }

    static func refusal(_ reason: String) -> RegistryError { RegistryError(.unauthorized, "OIDC token refused: \(reason)") }

    private func isSigned(_ jwt: ExternalJWT, now: Date) async throws -> Bool {
        let issuer = jwt.claims.issuer
        let cached = keys.withLock { $0[issuer] }
        if let cached, now.timeIntervalSince(cached.fetchedAt) < Self.keysLifetime, Self.verifies(jwt, cached.keys) { return true }
        // Unknown, stale, or not the signer (a rotation): fetch again, unless just fetched.
        if let cached, now.timeIntervalSince(cached.fetchedAt) < Self.refetchInterval { return false }
        // A failed fetch counts too: an issuer that is down is not asked again for every token.
        let fetched = try? await fetchKeys(issuer)
        keys.withLock {
            if $0.count >= 100 { $0.removeAll() }
            $0[issuer] = Keys(keys: fetched ?? cached?.keys ?? [], fetchedAt: now)
        }
        guard let fetched else { throw Self.refusal("the issuer's keys could not be fetched") }
        return Self.verifies(jwt, fetched)
    }

    private static func verifies(_ jwt: ExternalJWT, _ keys: [JSONWebKey]) -> Bool {
        keys.filter { jwt.keyID == nil || $0.kid == jwt.keyID }.contains { jwt.isSigned(by: $0) }
    }

    /// Discovery, then the JWKS it names.
    private func fetchKeys(_ issuer: String) async throws -> [JSONWebKey] {
        struct Discovery: Decodable { let issuer: String; let jwks_uri: String }
        struct Set: Decodable { let keys: [JSONWebKey] }
        let base = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
        let discovery = try JSONDecoder().decode(Discovery.self, from: try await get(base + "/.well-known/openid-configuration"))
        // As OIDC Discovery requires: the document is the issuer's own.
        guard discovery.issuer == issuer || discovery.issuer == base else { throw Self.refusal("the discovery document names another issuer") }
        guard Self.isAllowed(issuer: discovery.jwks_uri) else { throw Self.refusal("the issuer's jwks_uri is not https") }
        return try JSONDecoder().decode(Set.self, from: try await get(discovery.jwks_uri)).keys
    }

    private func get(_ url: String) async throws -> Data {
        let response = try await http.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .ok else { throw Self.refusal("\(url.prefix(200)) answered \(response.status.code)") }
        return Data(body.readableBytesView)
    }

    /// `https://…`, or plain HTTP on a loopback address only (a test's provider).
    public static func isAllowed(issuer: String) -> Bool {
        guard let url = URLComponents(string: issuer), let host = url.host, !host.isEmpty else { return false }
        if url.scheme == "https" { return true }
        return url.scheme == "http" && ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host)
    }
}
