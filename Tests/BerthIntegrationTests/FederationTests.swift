import Foundation
import NIOHTTP1
import OCI
import Testing

/// CI federation against an OIDC provider written for the tests (discovery
/// and JWKS on loopback, RS256 and ES256 keys): no stored secret.
@Suite("CI federation: OIDC tokens exchanged for registry tokens")
struct FederationTests {
    static let json = ("Content-Type", "application/json")
    static let admin = AuthTests.basic("admin")

    static func exchange(_ registry: TestRegistry, _ jwt: String, scope: String = "repository:team/app:pull,push") async throws -> TestResponse {
        let form = "grant_type=urn:ietf:params:oauth:grant-type:token-exchange&subject_token=\(jwt)"
            + "&subject_token_type=urn:ietf:params:oauth:token-type:jwt&scope=\(scope)&service=berth"
        return try await registry.request(
            .POST, "/service/token", headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Array(form.utf8))
    }

    @Test func tokensOfTrustedIssuersAreExchangedAndOthersRefused() async throws {
        let provider = try await TestOIDCProvider.start()
        let (registry, _) = try await AuthTests.start()
        let (manifest, _) = try await registry.pushImage("team/app", tag: "v1", headers: [Self.admin])
        let rule: [String: Any] = [
            "name": "acme-main", "issuer": provider.issuer, "audience": "berth",
            "claims": ["repository": "acme/app", "ref": "refs/heads/main"], "grants": ["team": ["pull", "push"]], "token_lifetime_seconds": 600,
        ]
        #expect(try await registry.request(.POST, "/api/v1/federation/rules", headers: [AuthTests.basic("maint"), Self.json], body: Content.json(rule)).status == 403)
        for (field, value) in [("issuer", "http://ci.example.com"), ("token_lifetime_seconds", "5"), ("grants", "none")] as [(String, String)] {
            var bad = rule
            bad[field] = field == "token_lifetime_seconds" ? 5 : field == "grants" ? ["team": ["fly"]] : value
            #expect(try await registry.request(.POST, "/api/v1/federation/rules", headers: [Self.admin, Self.json], body: Content.json(bad)).status == 400, "\(field)")
        }
        for claims: [String: String] in [[:], ["repository": "*"]] {
            var open = rule
            open["claims"] = claims
            #expect(try await registry.request(.POST, "/api/v1/federation/rules", headers: [Self.admin, Self.json], body: Content.json(open)).status == 400,
                    "a rule must say which jobs: \(claims)")
        }
        #expect(try await registry.request(.POST, "/api/v1/federation/rules", headers: [Self.admin, Self.json], body: Content.json(rule)).status == 201)

        // RS256 and ES256 tokens of the rule's job: a registry token granting the rule's actions, for its lifetime.
        for kid in ["rsa-1", "ec-1"] {
            let answer = try await Self.exchange(registry, try provider.token(kid: kid, claims: provider.claims()))
            #expect(answer.status == 200, "\(kid): \(answer.text)")
            let token = try #require(try answer.json()["access_token"] as? String)
            #expect(try answer.json()["expires_in"] as? Int == 600)
            #expect(try AuthTests.grantedActions(token) == ["pull", "push"])
            let bearer = ("Authorization", "Bearer \(token)")
            #expect(try await registry.request(.GET, "/v2/team/app/manifests/v1", headers: [bearer, ("Accept", "*/*")]).status == 200)
            #expect(try await registry.pushManifest("team/app", "from-ci-\(kid)", manifest, headers: [bearer]) == Content.digest(manifest))
        }
        // docker login -u oidc with the token as the password, through the token endpoint's GET.
        let jwt = try provider.token(kid: "ec-1", claims: provider.claims())
        let login = try await registry.request(
            .GET, "/service/token?service=berth&scope=repository:team/app:pull", headers: [AuthTests.basic("oidc", jwt)])
        #expect(login.status == 200, "\(login.text)")

        // Refused, each with 401 UNAUTHORIZED.
        let now = Int(Date().timeIntervalSince1970)
        var expired = provider.claims()
        (expired["exp"], expired["iat"], expired["nbf"]) = (now - 600, now - 900, now - 900)
        let refusals: [(String, String)] = [
            ("wrong issuer", try provider.token(kid: "rsa-1", claims: provider.claims(issuer: "http://127.0.0.1:1"))),
            ("wrong audience", try provider.token(kid: "rsa-1", claims: provider.claims(audience: "someone-else"))),
            ("expired", try provider.token(kid: "rsa-1", claims: expired)),
            ("other branch", try provider.token(kid: "rsa-1", claims: provider.claims(ref: "refs/heads/feature"))),
            ("other repository", try provider.token(kid: "ec-1", claims: provider.claims(repository: "evil/app"))),
            ("unknown key", try provider.token(kid: "rsa-1", claims: provider.claims(), unpublished: true)),
            ("not a JWT", "not.a.jwt"),
        ]
        for (what, token) in refusals {
            let refused = try await Self.exchange(registry, token)
            #expect(refused.status == 401 && refused.errorCodes == ["UNAUTHORIZED"], "\(what): \(refused.status) \(refused.text)")
        }

        // The issuer rotates its keys: a token with the new key id is verified after one fetch of the JWKS.
        try provider.rotate(to: 2)
        try await Task.sleep(for: .milliseconds(2100))
        let rotated = try await Self.exchange(registry, try provider.token(kid: "rsa-2", claims: provider.claims()))
        #expect(rotated.status == 200, "\(rotated.text)")
        #expect(try await Self.exchange(registry, try provider.token(kid: "ec-2", claims: provider.claims())).status == 200)

        let issued = try #require(try await Self.exchange(registry, try provider.token(kid: "ec-2", claims: provider.claims())).json()["token"] as? String)
        #expect(try await registry.request(.GET, "/api/v1/federation/rules", headers: [Self.admin]).text.contains("acme-main"))
        #expect(try await registry.request(.DELETE, "/api/v1/federation/rules/acme-main", headers: [Self.admin]).status == 204)
        #expect(try await Self.exchange(registry, try provider.token(kid: "ec-2", claims: provider.claims())).status == 401)
        // And the registry tokens the rule issued end with it.
        #expect(try await registry.request(
            .GET, "/v2/team/app/manifests/v1", headers: [("Authorization", "Bearer \(issued)"), ("Accept", "*/*")]).status == 401)
        try await registry.stop()
        try await provider.stop()
    }
}
