import BerthAuth
import BerthMetadata
import BerthServer
import Foundation
import NIOHTTP1
import OCI
import Testing

/// Token authentication against a real server with `auth: token`.
@Suite("Access control over HTTP: token dance, Basic, roles, denials")
struct AuthTests {
    static let adminPassword = "admin-secret-1"

    static func start(configure: (inout Configuration) -> Void = { _ in }) async throws -> (TestRegistry, SQLAccountStore) {
        let registry = try await TestRegistry.start {
            $0.auth = "token"
            $0.adminPassword = adminPassword
            $0.passwordCost = 4
            configure(&$0)
        }
        // The same SQLite file, opened as a second process would (the CLI).
        let backend = try await TestBackends.openBackend(registry.dataFolder)
        let accounts = SQLAccountStore(backend: backend)
        let hasher = PasswordHasher(cost: 4)
        for name in ["guest", "dev", "maint", "outsider"] {
            try await accounts.createUser(User(name: name, email: "\(name)@example.test", passwordHash: hasher.hash("\(name)-pw"), isAdmin: false))
        }
        try await accounts.createProject(Project(name: "team", isPublic: false))
        try await accounts.createProject(Project(name: "open", isPublic: true))
        for project in ["team", "open"] {
            try await accounts.setMember("guest", of: project, role: .guest)
            try await accounts.setMember("dev", of: project, role: .developer)
            try await accounts.setMember("maint", of: project, role: .maintainer)
        }
        return (registry, accounts)
    }

    static func basic(_ user: String, _ password: String) -> (String, String) {
        ("Authorization", "Basic " + Data("\(user):\(password)".utf8).base64EncodedString())
    }

    static func basic(_ user: String) -> (String, String) {
        user == "admin" ? basic("admin", adminPassword) : basic(user, "\(user)-pw")
    }

    static func token(_ registry: TestRegistry, user: String?, scope: String) async throws -> String {
        let headers = user.map { [basic($0)] } ?? []
        let response = try await registry.request(.GET, "/service/token?service=berth&scope=\(scope)", headers: headers)
        guard response.status == 200, let token = try response.json()["token"] as? String else {
            throw TestFailure("token request answered \(response.status): \(response.text)")
        }
        return token
    }

    static func grantedActions(_ token: String) throws -> [String] {
        let payload = String(token.split(separator: ".")[1])
        let claims = try JSONSerialization.jsonObject(with: Data(base64Encoded: payload.padded)!) as! [String: Any]
        return ((claims["access"] as? [[String: Any]])?.first?["actions"] as? [String]) ?? []
    }

    @Test func theTokenDanceAsDockerDoesIt() async throws {
        let (registry, _) = try await Self.start()
        let probe = try await registry.request(.GET, "/v2/")
        #expect(probe.status == 401)
        #expect(probe.errorCodes == ["UNAUTHORIZED"])
        let challenge = try #require(probe.header("WWW-Authenticate"))
        #expect(challenge == "Bearer realm=\"http://127.0.0.1:\(registry.port)/service/token\",service=\"berth\"")

        let bytes = Content.randomBytes(100)
        let path = "/v2/team/app/blobs/uploads/?digest=\(Content.digest(bytes))"
        let refused = try await registry.request(.POST, path, body: bytes)
        #expect(refused.status == 401)
        #expect(refused.header("WWW-Authenticate")?.contains("scope=\"repository:team/app:pull,push\"") == true)

        let token = try await Self.token(registry, user: "dev", scope: "repository:team/app:pull,push")
        #expect(try Self.grantedActions(token) == ["pull", "push"])
        let bearer = ("Authorization", "Bearer \(token)")
        #expect(try await registry.request(.GET, "/v2/", headers: [bearer]).status == 200)
        #expect(try await registry.request(.POST, path, headers: [bearer], body: bytes).status == 201)
        #expect(try await registry.request(.GET, "/v2/team/app/blobs/\(Content.digest(bytes))", headers: [bearer]).body == bytes)

        // The OAuth2 form gives the same.
        let form = "grant_type=password&username=dev&password=dev-pw&service=berth&scope=repository%3Ateam%2Fapp%3Apull"
        let posted = try await registry.request(
            .POST, "/service/token", headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Array(form.utf8))
        #expect(posted.status == 200)
        #expect(try Self.grantedActions(try #require(try posted.json()["access_token"] as? String)) == ["pull"])
        let wrong = try await registry.request(.GET, "/service/token?service=berth", headers: [Self.basic("dev", "nope")])
        #expect(wrong.status == 401)
        try await registry.stop()
    }

    @Test func everyRoleAndActionOverHTTP() async throws {
        let (registry, _) = try await Self.start()
        let (_, digest) = try await registry.pushImage("team/app", tag: "v1", headers: [Self.basic("admin")])
        try await registry.pushImage("open/app", tag: "v1", headers: [Self.basic("admin")])
        // user, may pull, may push, may delete — on the private project.
        let matrix: [(String, Bool, Bool, Bool)] = [
            ("admin", true, true, true), ("maint", true, true, true), ("dev", true, true, false),
            ("guest", true, false, false), ("outsider", false, false, false),
        ]
        for (user, pull, push, delete) in matrix {
            let auth = [Self.basic(user)]
            let pulled = try await registry.request(.GET, "/v2/team/app/manifests/v1", headers: auth)
            #expect(pulled.status == (pull ? 200 : 403), "\(user) pull")
            let pushed = try await registry.request(.POST, "/v2/team/app/blobs/uploads/", headers: auth)
            #expect(pushed.status == (push ? 202 : 403), "\(user) push")
            if !push { #expect(pushed.errorCodes == ["DENIED"]) }
            let tagged = try await registry.request(.DELETE, "/v2/team/app/manifests/tag-that-is-not-there", headers: auth)
            #expect(tagged.status == (delete ? 404 : 403), "\(user) delete")
        }
        // A private repository answers as a missing one does.
        let hidden = try await registry.request(.GET, "/v2/team/app/manifests/v1", headers: [Self.basic("outsider")])
        let missing = try await registry.request(.GET, "/v2/team/none/manifests/v1", headers: [Self.basic("outsider")])
        #expect(hidden.status == missing.status && hidden.errorCodes == missing.errorCodes)
        #expect(try await registry.request(.GET, "/v2/team/app/manifests/v1").status == 401)
        // Public: anonymous pull with an anonymous token, no push.
        let anonymous = try await Self.token(registry, user: nil, scope: "repository:open/app:pull,push")
        #expect(try Self.grantedActions(anonymous) == ["pull"])
        #expect(try await registry.request(.GET, "/v2/open/app/manifests/v1", headers: [("Authorization", "Bearer \(anonymous)")]).status == 200)
        #expect(try await registry.request(.POST, "/v2/open/app/blobs/uploads/", headers: [("Authorization", "Bearer \(anonymous)")]).status == 401)
        #expect(try Self.grantedActions(try await Self.token(registry, user: nil, scope: "repository:team/app:pull")) == [])
        #expect(try await registry.request(.DELETE, "/v2/team/app/manifests/\(digest)", headers: [Self.basic("maint")]).status == 202)
        try await registry.stop()
    }

    @Test func narrowedAndBadTokens() async throws {
        let (registry, _) = try await Self.start()
        // Asked for push, got pull: pushing with it is challenged for the
        // wider scope (401 insufficient_scope, as Distribution answers), so
        // a client that reused a pull token asks again; never a bare 403.
        let narrowed = try await Self.token(registry, user: "guest", scope: "repository:team/app:pull,push")
        #expect(try Self.grantedActions(narrowed) == ["pull"])
        let denied = try await registry.request(.POST, "/v2/team/app/blobs/uploads/", headers: [("Authorization", "Bearer \(narrowed)")])
        #expect(denied.status == 401)
        #expect(denied.errorCodes == ["UNAUTHORIZED"])
        #expect(denied.header("WWW-Authenticate")?.contains(#"scope="repository:team/app:pull,push""#) == true)
        #expect(denied.header("WWW-Authenticate")?.contains(#"error="insufficient_scope""#) == true)
        // A pull token of a developer, reused for a push: challenged, and the
        // token the challenge leads to pushes.
        let pullOnly = try await Self.token(registry, user: "dev", scope: "repository:team/app:pull")
        let reused = try await registry.request(.POST, "/v2/team/app/blobs/uploads/", headers: [("Authorization", "Bearer \(pullOnly)")])
        #expect(reused.status == 401)
        #expect(reused.header("WWW-Authenticate")?.contains("insufficient_scope") == true)
        let wider = try await Self.token(registry, user: "dev", scope: "repository:team/app:pull,push")
        #expect(try await registry.request(.POST, "/v2/team/app/blobs/uploads/", headers: [("Authorization", "Bearer \(wider)")]).status == 202)
        // A token for another repository: challenged for the right scope.
        let elsewhere = try await registry.request(.GET, "/v2/team/other/tags/list", headers: [("Authorization", "Bearer \(narrowed)")])
        #expect(elsewhere.status == 401)
        #expect(elsewhere.header("WWW-Authenticate")?.contains("repository:team/other:pull") == true)
        // Forged, alg none, garbage.
        let parts = narrowed.split(separator: ".")
        let none = Data(#"{"alg":"none"}"#.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
        for bad in ["\(none).\(parts[1]).", "\(parts[0]).\(parts[1]).AAAA", "garbage"] {
            let response = try await registry.request(.GET, "/v2/team/app/tags/list", headers: [("Authorization", "Bearer \(bad)")])
            #expect(response.status == 401, "\(bad)")
        }
        #expect(try await registry.request(.GET, "/service/token?service=other", headers: [Self.basic("dev")]).status == 400)
        try await registry.stop()
    }

    @Test func catalogAndMountsRespectAccess() async throws {
        let (registry, accounts) = try await Self.start()
        try await accounts.createProject(Project(name: "secret", isPublic: false))
        let bytes = Content.randomBytes(64)
        let digest = try await registry.pushBlob("secret/app", bytes, headers: [Self.basic("admin")])
        try await registry.pushBlob("team/app", Content.randomBytes(10), headers: [Self.basic("admin")])
        let catalog = try await registry.request(.GET, "/v2/_catalog", headers: [Self.basic("dev")])
        #expect(try catalog.json()["repositories"] as? [String] == ["team/app"])
        let all = try await registry.request(.GET, "/v2/_catalog", headers: [Self.basic("admin")])
        #expect(try all.json()["repositories"] as? [String] == ["secret/app", "team/app"])
        // dev may push to team but not read secret: the mount falls back to an upload.
        let mount = try await registry.request(.POST, "/v2/team/app/blobs/uploads/?mount=\(digest)&from=secret/app", headers: [Self.basic("dev")])
        #expect(mount.status == 202)
        try await accounts.setMember("dev", of: "secret", role: .guest)
        let allowed = try await registry.request(.POST, "/v2/team/app/blobs/uploads/?mount=\(digest)&from=secret/app", headers: [Self.basic("dev")])
        #expect(allowed.status == 201)
        try await registry.stop()
    }

    @Test(.enabled(if: isInstalled("skopeo") || ProcessInfo.processInfo.environment["CI"] != nil, "skopeo is not installed"))
    func skopeoWithCredentials() async throws {
        let (registry, _) = try await Self.start()
        let work = TestRegistry.temporaryFolder()
        var layout = try OCILayout(path: work + "/source")
        let image = try await layout.image(architecture: "amd64", layerCount: 2)
        try layout.name(image, mediaType: MediaType.ociManifest, as: "v1")
        let host = "127.0.0.1:\(registry.port)"
        _ = try await SkopeoTests.skopeo([
            "copy", "--dest-tls-verify=false", "--dest-creds", "dev:dev-pw", "--preserve-digests",
            "oci:\(layout.path):v1", "docker://\(host)/team/app:v1",
        ])
        _ = try await SkopeoTests.skopeo([
            "copy", "--src-tls-verify=false", "--src-creds", "guest:guest-pw", "docker://\(host)/team/app:v1", "oci:\(work)/out:v1",
        ])
        #expect(try OCILayout.digest(in: work + "/out", named: "v1") == Content.digest(image).description)
        let refused = try await runCommand([
            "skopeo", "--insecure-policy", "copy", "--dest-tls-verify=false", "--dest-creds", "guest:guest-pw",
            "oci:\(layout.path):v1", "docker://\(host)/team/app:v2",
        ])
        #expect(refused.status != 0)
        // A robot account, as CI uses it.
        let created = try await registry.request(
            .POST, "/api/v1/projects/team/robots", headers: [Self.basic("admin"), ("Content-Type", "application/json")],
            body: Content.json(["name": "ci", "permissions": ["pull", "push"]]))
        let secret = try #require(try created.json()["secret"] as? String)
        _ = try await SkopeoTests.skopeo([
            "copy", "--dest-tls-verify=false", "--dest-creds", "robot$team+ci:\(secret)", "--preserve-digests",
            "oci:\(layout.path):v1", "docker://\(host)/team/robot-pushed:v1",
        ])
        let head = try await registry.request(.HEAD, "/v2/team/robot-pushed/manifests/v1", headers: [Self.basic("admin"), ("Accept", "*/*")])
        #expect(head.header("Docker-Content-Digest") == Content.digest(image).description)
        let robotRefused = try await runCommand([
            "skopeo", "--insecure-policy", "copy", "--dest-tls-verify=false", "--dest-creds", "robot$team+ci:\(secret)",
            "oci:\(layout.path):v1", "docker://\(host)/open/app:v9",
        ])
        #expect(robotRefused.status != 0)
        try await registry.stop()
    }
}

@Suite("Brute force over HTTP")
struct BruteForceTests {
    @Test func repeatedFailuresAreSlowedDown() async throws {
        let (registry, _) = try await AuthTests.start()
        // Even the right password waits now (after enough failures that the
        // wait outlasts a loaded machine's pause between two requests).
        #expect(try await ForwardedForTests.lockOut(registry, user: "dev", headers: []) == 429)
        let throttled = try await registry.request(.GET, "/v2/team/app/tags/list", headers: [AuthTests.basic("dev")])
        #expect(throttled.status == 429)
        #expect(throttled.errorCodes == ["TOOMANYREQUESTS"])
        let token = try await registry.request(.GET, "/service/token?service=berth", headers: [AuthTests.basic("dev")])
        #expect(token.status == 429)
        try await registry.stop()
    }
}

@Suite("Refresh tokens")
struct RefreshTokenTests {
    @Test func offlineTokensRefreshAndAreNotAccessTokens() async throws {
        let (registry, _) = try await AuthTests.start()
        let form = "grant_type=password&username=dev&password=dev-pw&service=berth&access_type=offline&scope=repository:team/app:pull"
        let first = try await registry.request(
            .POST, "/service/token", headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Array(form.utf8))
        let refresh = try #require(try first.json()["refresh_token"] as? String)
        // A refresh token does not open /v2.
        #expect(try await registry.request(.GET, "/v2/team/app/tags/list", headers: [("Authorization", "Bearer \(refresh)")]).status == 401)
        let renewed = try await registry.request(
            .POST, "/service/token", headers: [("Content-Type", "application/x-www-form-urlencoded")],
            body: Array("grant_type=refresh_token&refresh_token=\(refresh)&service=berth&scope=repository:team/app:pull,push".utf8))
        #expect(renewed.status == 200)
        let access = try #require(try renewed.json()["access_token"] as? String)
        #expect(try AuthTests.grantedActions(access) == ["pull", "push"])
        #expect(try await registry.request(.GET, "/v2/team/app/tags/list", headers: [("Authorization", "Bearer \(access)")]).status == 404)
        let forged = try await registry.request(
            .POST, "/service/token", headers: [("Content-Type", "application/x-www-form-urlencoded")],
            body: Array("grant_type=refresh_token&refresh_token=\(access)&service=berth".utf8))
        #expect(forged.status == 401)
        // GET with offline_token=true gives one too.
        let viaGet = try await registry.request(.GET, "/service/token?service=berth&offline_token=true", headers: [AuthTests.basic("dev")])
        #expect(try viaGet.json()["refresh_token"] as? String != nil)
        try await registry.stop()
    }
}

@Suite("Projects must exist before pushes")
struct ProjectExistenceTests {
    @Test func pushToAMissingProjectIsRefusedUnlessAutoCreated() async throws {
        let (registry, _) = try await AuthTests.start()
        let refused = try await registry.request(.POST, "/v2/ghost/app/blobs/uploads/", headers: [AuthTests.basic("admin")])
        #expect(refused.status == 404)
        #expect(refused.errorCodes == ["NAME_UNKNOWN"])
        #expect(refused.text.contains("create it first"))
        try await registry.stop()

        let auto = try await TestRegistry.start {
            $0.auth = "token"
            $0.adminPassword = AuthTests.adminPassword
            $0.passwordCost = 4
            $0.autoCreateProjects = true
        }
        try await auto.pushImage("fresh/app", tag: "1", headers: [AuthTests.basic("admin", AuthTests.adminPassword)])
        let project = try await auto.request(.GET, "/api/v1/projects/fresh", headers: [AuthTests.basic("admin", AuthTests.adminPassword)])
        #expect(try project.json()["public"] as? Bool == false)
        try await auto.stop()
    }

    @Test func projectAdminsManageMembersAndRobotsMaintainersDoNot() async throws {
        let (registry, accounts) = try await AuthTests.start()
        try await accounts.createUser(User(name: "boss", email: "", passwordHash: PasswordHasher(cost: 4).hash("boss-pw"), isAdmin: false))
        try await accounts.setMember("boss", of: "team", role: .projectAdmin)
        let body = Content.json(["user": "outsider", "role": "guest"])
        let json = ("Content-Type", "application/json")
        #expect(try await registry.request(.POST, "/api/v1/projects/team/members", headers: [AuthTests.basic("maint"), json], body: body).status == 403)
        #expect(try await registry.request(.POST, "/api/v1/projects/team/members", headers: [AuthTests.basic("boss", "boss-pw"), json], body: body).status == 201)
        let robot = Content.json(["name": "ci", "permissions": ["pull"]])
        #expect(try await registry.request(.POST, "/api/v1/projects/team/robots", headers: [AuthTests.basic("maint"), json], body: robot).status == 403)
        #expect(try await registry.request(.POST, "/api/v1/projects/team/robots", headers: [AuthTests.basic("boss", "boss-pw"), json], body: robot).status == 201)
        #expect(try await registry.request(.PATCH, "/api/v1/projects/team", headers: [AuthTests.basic("dev"), json], body: Content.json(["public": true])).status == 403)
        #expect(try await registry.request(.PATCH, "/api/v1/projects/team", headers: [AuthTests.basic("boss", "boss-pw"), json], body: Content.json(["public": true])).status == 200)
        try await registry.stop()
    }
}

@Suite("Basic credentials are verified once, not on every request")
struct BasicCacheTests {
    @Test func aRememberedSignInIsForgottenWhenTheAccountChanges() async throws {
        let (registry, _) = try await AuthTests.start()
        let dev = AuthTests.basic("dev")
        for _ in 0..<20 {
            #expect(try await registry.request(.GET, "/v2/team/app/tags/list", headers: [dev]).status == 404)
        }
        // A wrong password is never remembered as right.
        #expect(try await registry.request(.GET, "/v2/team/app/tags/list", headers: [AuthTests.basic("dev", "wrong")]).status == 401)
        let disable = try await registry.request(
            .PATCH, "/api/v1/users/dev", headers: [ManagementAPITests.admin, ManagementAPITests.jsonType], body: Content.json(["disabled": true]))
        #expect(disable.status == 200)
        #expect(try await registry.request(.GET, "/v2/team/app/tags/list", headers: [dev]).status == 401)
        try await registry.stop()
    }
}

@Suite("Tokens signed with the server's own key but otherwise wrong")
struct WrongTokenTests {
    @Test func expiredWrongAudienceAndWrongIssuerAreRefused() async throws {
        let (registry, _) = try await AuthTests.start()
        let key = try TokenService.loadOrCreateKey(at: registry.dataFolder + "/token-signing-key.pem")
        let access = [AccessEntry(type: "repository", name: "team/app", actions: ["pull"])]
        let good = TokenService(key: key, issuer: "berth", service: "berth", lifetime: 300)
        let path = "/v2/team/app/tags/list"
        // The control: a right token passes authorization (the repository is empty: 404).
        #expect(try await registry.request(.GET, path, headers: [("Authorization", "Bearer \(try good.issue(subject: "dev", access: access))")]).status == 404)
        let wrong = [
            try good.issue(subject: "dev", access: access, now: Date().addingTimeInterval(-3600)),
            try TokenService(key: key, issuer: "berth", service: "elsewhere", lifetime: 300).issue(subject: "dev", access: access),
            try TokenService(key: key, issuer: "mallory", service: "berth", lifetime: 300).issue(subject: "dev", access: access),
            try good.issue(subject: "dev", access: access, now: Date().addingTimeInterval(3600)),
        ]
        for token in wrong {
            let response = try await registry.request(.GET, path, headers: [("Authorization", "Bearer \(token)")])
            #expect(response.status == 401)
            #expect(response.header("WWW-Authenticate")?.hasPrefix("Bearer realm=") == true)
        }
        try await registry.stop()
    }
}
