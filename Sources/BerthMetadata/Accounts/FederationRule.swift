import Foundation

/// Trust in another issuer's OIDC tokens (a CI system's): a token from
/// `issuer` for `audience` whose claims equal (or match, as globs) every
/// one of `claims` may be exchanged for a registry token granting `grants`,
/// valid `tokenLifetimeSeconds`. No secret is stored.
public struct FederationRule: Sendable, Equatable, Codable {
    public var name: String
    public var issuer: String
    public var audience: String
    public var claims: [String: String]
    /// Project → actions.
    public var grants: [String: [String]]
    public var tokenLifetimeSeconds: Int

    enum CodingKeys: String, CodingKey {
        case name, issuer, audience, claims, grants, tokenLifetimeSeconds = "token_lifetime_seconds"
    }

    public init(name: String, issuer: String, audience: String, claims: [String: String], grants: [String: [String]], tokenLifetimeSeconds: Int) {
        (self.name, self.issuer, self.audience, self.claims, self.grants, self.tokenLifetimeSeconds) =
            (name, issuer, audience, claims, grants, tokenLifetimeSeconds)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        issuer = try c.decode(String.self, forKey: .issuer)
        audience = try c.decode(String.self, forKey: .audience)
        claims = try c.decodeIfPresent([String: String].self, forKey: .claims) ?? [:]
        grants = try c.decode([String: [String]].self, forKey: .grants)
        tokenLifetimeSeconds = try c.decodeIfPresent(Int.self, forKey: .tokenLifetimeSeconds) ?? 900
    }
}

public protocol FederationRuleStore: Sendable {
    func federationRules() async throws -> [FederationRule]
    func federationRules(issuer: String) async throws -> [FederationRule]
    /// Throws `AccountStoreError.exists` when the name is taken.
    func createFederationRule(_ rule: FederationRule) async throws
    /// False when there was none.
    func deleteFederationRule(named name: String) async throws -> Bool
}
