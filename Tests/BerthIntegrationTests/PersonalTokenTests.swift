import BerthMetadata
import Foundation
import NIOHTTP1
import OCI
import Testing

@Suite("Personal access tokens")
struct PersonalTokenTests {
    static let json = ("Content-Type", "application/json")

    @Test func aTokenGrantsAtMostWhatItListsAndIsRevokedAtOnce() async throws {
        let (registry, accounts) = try await AuthTests.start()
        let (manifest, _) = try await registry.pushImage("team/app", tag: "v1", headers: [AuthTests.basic("admin")])
        try await accounts.createProject(Project(name: "other", isPublic: false))
        try await accounts.setMember("dev", of: "other", role: .developer)
        _ = try await registry.pushImage("other/secret", tag: "v1", headers: [AuthTests.basic("admin")])
        let secretBlob = try await registry.pushBlob("other/secret", Content.randomBytes(500), headers: [AuthTests.basic("admin")])
        _ = try await registry.pushImage("open/app", tag: "v1", headers: [AuthTests.basic("admin")])
        let dev = AuthTests.basic("dev")
        for bad: [String: Any] in [
            ["name": "t", "projects": ["team": ["pull"]], "expires_in_days": 0],
            ["name": "t", "projects": ["team": ["fly"]]],
            ["name": "t", "projects": [:] as [String: Any]],
            ["name": "Bad Name", "projects": ["team": ["pull"]]],
        ] {
            let refused = try await registry.request(.POST, "/api/v1/me/tokens", headers: [dev, Self.json], body: Content.json(bad))
            #expect(refused.status == 400, "\(bad): \(refused.text)")
        }
        #expect(try await registry.request(
            .POST, "/api/v1/me/tokens", headers: [dev, Self.json], body: Content.json(["name": "t", "projects": ["nowhere": ["pull"]]])).status == 404)
        let created = try await registry.request(
            .POST, "/api/v1/me/tokens", headers: [dev, Self.json],
            body: Content.json(["name": "laptop", "projects": ["team": ["pull"]], "expires_in_days": 30]))
        #expect(created.status == 201, "\(created.text)")
        let secret = try #require(try created.json()["secret"] as? String)
        #expect(secret.hasPrefix("berth_pat_"))
        let listed = try await registry.request(.GET, "/api/v1/me/tokens", headers: [dev])
        #expect(listed.text.contains("laptop") && !listed.text.contains(secret) && listed.text.contains("expires_at"))

        // Used with the owner's name: pulls, but no push although the role allows it; public projects as anyone.
        let token = AuthTests.basic("dev", secret)
        #expect(try await registry.request(.GET, "/v2/team/app/manifests/v1", headers: [token, ("Accept", "*/*")]).status == 200)
        let push = try await registry.request(
            .PUT, "/v2/team/app/manifests/v2", headers: [token, ("Content-Type", MediaType.ociManifest)], body: manifest)
        #expect(push.status == 403 && push.text.contains("laptop"), "\(push.text)")
        #expect(try await registry.request(.GET, "/v2/open/app/manifests/v1", headers: [token, ("Accept", "*/*")]).status == 200)
        // Nor does it reach the owner's other projects: not in the catalog, not by a mount.
        let catalog = try await registry.request(.GET, "/v2/_catalog", headers: [token])
        #expect(catalog.text.contains("team/app") && !catalog.text.contains("other/secret"), "\(catalog.text)")
        #expect(try await registry.request(.GET, "/v2/_catalog", headers: [dev]).text.contains("other/secret"), "the password reaches it")
        // The token endpoint narrows to the same, and gives no refresh token.
        let issued = try await registry.request(
            .GET, "/service/token?service=berth&scope=repository:team/app:pull,push&offline_token=true", headers: [token])
        let bearer = try #require(try issued.json()["token"] as? String)
        #expect(try AuthTests.grantedActions(bearer) == ["pull"])
        #expect(try issued.json()["refresh_token"] == nil)
        let pushToken = try #require(try await registry.request(
            .GET, "/service/token?service=berth&scope=repository:team/app:pull,push&scope=repository:other/secret:pull", headers: [token]
        ).json()["token"] as? String)
        let mount = try await registry.request(
            .POST, "/v2/team/app/blobs/uploads/?mount=\(secretBlob)&from=other/secret", headers: [("Authorization", "Bearer \(pushToken)")])
        #expect(mount.status != 201, "no mount from a project the token does not list: \(mount.status)")
        // Nothing on the management API.
        let management = try await registry.request(.GET, "/api/v1/me/tokens", headers: [token])
        #expect(management.status == 401, "\(management.status) \(management.text)")
        // skopeo signs in with it as with a password.
        if isInstalled("skopeo") {
            let pulled = try await runCommand([
                "skopeo", "--insecure-policy", "inspect", "--raw", "--tls-verify=false", "--creds", "dev:\(secret)",
                "docker://127.0.0.1:\(registry.port)/team/app:v1",
            ])
            #expect(pulled.status == 0, "\(pulled.output)")
        }

        // Revoked: its Basic sign-ins and the access tokens issued from it end now.
        #expect(try await registry.request(.DELETE, "/api/v1/me/tokens/laptop", headers: [dev]).status == 204)
        #expect(try await registry.request(.GET, "/v2/team/app/manifests/v1", headers: [token, ("Accept", "*/*")]).status == 401)
        #expect(try await registry.request(
            .GET, "/v2/team/app/manifests/v1", headers: [("Authorization", "Bearer \(bearer)"), ("Accept", "*/*")]).status == 401)
        #expect(try await registry.request(.DELETE, "/api/v1/me/tokens/laptop", headers: [dev]).status == 404)
        try await registry.stop()
    }
}
