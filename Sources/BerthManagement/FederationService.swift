import BerthAuth
import BerthMetadata
import BerthPolicies
import BerthRegistry
import Foundation
import Logging
import OCI

/// Federation rules (`/api/v1/federation/rules`, administrators): which
/// issuers' OIDC tokens, with which audience and claims, are exchanged for
/// registry tokens granting what.
public struct FederationService: Sendable {
    let authenticator: Authenticator
    var accounts: any AccountStore { authenticator.accounts }
    let permissions: ManagementPermissions
    let audit: ChangeAudit

    public func rules(by requester: Requester) async throws -> [FederationRule] {
        try await permissions.check(.admin, requester)
        return try await accounts.federationRules()
    }

    public func create(_ rule: FederationRule, by requester: Requester) async throws -> FederationRule {
        try await permissions.check(.admin, requester)
        if let problem = try await problem(of: rule) { throw RegistryError(.unsupported, problem, status: 400) }
        do {
            try await accounts.createFederationRule(rule)
        } catch AccountStoreError.exists {
            throw RegistryError(.unsupported, "a federation rule named \(rule.name) exists", status: 409)
        }
        requester.logger.notice("federation rule created", metadata: ["rule": "\(rule.name)", "issuer": "\(rule.issuer)"])
        audit.record(requester, .created, "federation/rules/\(rule.name)")
        return rule
    }

    public func delete(_ name: String, by requester: Requester) async throws {
        try await permissions.check(.admin, requester)
        guard try await accounts.deleteFederationRule(named: name) else {
            throw RegistryError(.nameUnknown, "no federation rule \(name.prefix(64))", status: 404)
        }
        authenticator.deleted(federationRule: name)
        audit.record(requester, .deleted, "federation/rules/\(name)")
    }

    private func problem(of rule: FederationRule) async throws -> String? {
        if (try? AccountNames.validate(rule.name, what: "rule")) == nil { return "rule names are lowercase letters and digits, separated by '.', '_' or '-'" }
        guard FederatedSignIn.isAllowed(issuer: rule.issuer), rule.issuer.count <= 512 else {
            return "issuer must be an https URL (plain http only on a loopback address)"
        }
        guard !rule.audience.isEmpty, rule.audience.count <= 512 else { return "audience is required" }
        // An issuer such as GitHub's signs tokens for every job of every repository: a rule must say which.
        guard (1...20).contains(rule.claims.count), rule.claims.allSatisfy({ !$0.key.isEmpty && Glob($0.value) != nil }) else {
            return "claims: 1 to 20, each a claim name and a value (or a pattern of *, ? and [classes]), such as repository or sub"
        }
        if rule.claims.values.allSatisfy({ $0.allSatisfy { "*?".contains($0) } }) {
            return "claims: at least one must name a value, not only a pattern that matches anything"
        }
        guard (60...86_400).contains(rule.tokenLifetimeSeconds) else { return "token_lifetime_seconds must be 60 to 86400" }
        guard !rule.grants.isEmpty, rule.grants.count <= 100 else { return "grants must name 1 to 100 projects" }
        for (project, actions) in rule.grants {
            guard !actions.isEmpty, actions.allSatisfy({ Action(rawValue: $0) != nil }) else {
                return "grants of \(project.prefix(64)): actions are pull, push and delete"
            }
            guard try await accounts.project(named: project) != nil else { return "no project \(project.prefix(64))" }
        }
        return nil
    }
}
