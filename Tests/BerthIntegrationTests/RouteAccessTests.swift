import BerthAPI
import BerthAuth
import BerthMetadata
import BerthRegistry
import Foundation
import HTTPTypes
import NIOHTTP1
import OCI
import Testing

/// Every registered route, as every kind of caller: refused (401/403)
/// exactly when what the route declares — `V2Route.access(for:)` on `/v2`,
/// `ManagementAccess` on `/api/v1` — and the permission matrix say so.
@Suite("Route × method × role: declared access is enforced")
struct RouteAccessTests {
    /// Who asks, and what they hold on the private project `team`.
    enum Requester: CaseIterable {
        case anonymous, outsider, guest, developer, maintainer, projectAdmin, admin, robot

        var header: [(String, String)] {
            switch self {
            case .anonymous: []
            case .outsider: [AuthTests.basic("outsider")]
            case .guest: [AuthTests.basic("guest")]
            case .developer: [AuthTests.basic("dev")]
            case .maintainer: [AuthTests.basic("maint")]
            case .projectAdmin: [AuthTests.basic("boss", "boss-pw")]
            case .admin: [AuthTests.basic("admin")]
            case .robot: [AuthTests.basic("robot$team+ci", "ci-secret")]
            }
        }

        var role: Role? {
            switch self {
            case .guest: .guest
            case .developer: .developer
            case .maintainer: .maintainer
            case .projectAdmin: .projectAdmin
            case .anonymous, .outsider, .admin, .robot: nil
            }
        }

        /// Its actions on `team` by the permission matrix (the robot's by its own permissions).
        var actions: Set<Action> {
            switch self {
            case .admin: Action.ordinary
            case .robot: [.pull, .push]
            default: role.map(Permissions.actions(of:)) ?? []
            }
        }
    }

    /// Routes whose handlers narrow what they declare, and who is still let through.
    static let narrowed: [String: Set<Requester>] = [
        "GET /api/v1/me": Set(Requester.allCases).subtracting([.robot]),  // a robot is no user
        "GET /api/v1/me/tokens": Set(Requester.allCases).subtracting([.robot]),  // nor has personal tokens
        "POST /api/v1/me/tokens": Set(Requester.allCases).subtracting([.robot]),
        "DELETE /api/v1/me/tokens/{token}": Set(Requester.allCases).subtracting([.robot]),
        "GET /api/v1/users/{name}": [.admin, .developer],  // the user `dev` reads themself
        "PATCH /api/v1/users/{name}": [.admin, .developer],
        "POST /api/v1/projects": [.admin],  // users_create_projects is off
        "GET /api/v1/audit": [.admin, .projectAdmin],  // a project's log, for its ProjectAdmins
    ]

    /// Routes open to everyone by design: health, metrics, and the token endpoint (which narrows, never refuses).
    static let open: [String: String] = [
        "GET /healthz": "/healthz", "GET /metrics": "/metrics",
        "GET /service/token": "/service/token?service=berth&scope=repository:team/app:pull", "POST /service/token": "/service/token",
    ]

    @Test func everyRouteAnswersEveryCallerAsDeclared() async throws {
        let (registry, accounts) = try await AuthTests.start()
        let hasher = PasswordHasher(cost: 4)
        for name in ["boss", "extra", "throwaway"] {
            try await accounts.createUser(User(name: name, email: "", passwordHash: hasher.hash("\(name)-pw"), isAdmin: false))
        }
        try await accounts.setMember("boss", of: "team", role: .projectAdmin)
        for name in ["ci", "spare"] {
            try await accounts.createRobot(Robot(
                name: "robot$team+\(name)", project: "team", secretHash: hasher.hash("\(name)-secret"), permissions: ["team": ["pull", "push"]],
                expiresAt: nil))
        }
        // Not empty, so that deleting the project is refused (409) whoever may try.
        try await registry.pushImage("team/app", tag: "v1", headers: [AuthTests.basic("admin")])

        let declared = registry.server.declaredManagementAccess
        var checked = 0
        for route in registry.server.registeredRoutes {
            let key = "\(route.method) \(route.path)"
            if route.path.hasPrefix("/api/v1") {
                let found = declared.first { $0.method.rawValue == route.method && $0.path == route.path }
                let access = try #require(found, "\(key) declares no access")
                try await checkManagement(registry, route.method, route.path, access.access)
            } else if route.path == "/v2" || route.path == "/v2/**" {
                try await checkDistribution(registry, route.method)
            } else if let path = Self.open[key] {
                for caller in Requester.allCases {
                    let status = try await registry.request(HTTPMethod(rawValue: route.method), path, headers: caller.header).status
                    #expect(status != 401 && status != 403 && status < 500, "\(key) as \(caller): \(status)")
                }
            } else {
                try await checkWebUI(registry, route.method, route.path)
            }
            checked += 1
        }
        #expect(checked > 40 && declared.count == registry.server.registeredRoutes.filter { $0.path.hasPrefix("/api/v1") }.count)
        try await registry.stop()
    }

    /// The web UI signs in with its session cookie only: API credentials
    /// open none of its pages (sent to sign in), and none of its forms.
    func checkWebUI(_ registry: TestRegistry, _ method: String, _ pattern: String) async throws {
        let path = pattern.replacingOccurrences(of: "{name}", with: "team").replacingOccurrences(of: "{file}", with: "x.css")
            .replacingOccurrences(of: "**", with: "team/app")
        let expected = switch (method, pattern) {
        case ("GET", "/login"): 200
        case ("POST", "/login"): 415  // not a form
        case (_, "/assets/{file}"): 404
        default: 303
        }
        let browser = TestBrowser(registry)
        for caller in Requester.allCases {
            let response = try await browser.send(HTTPMethod(rawValue: method), path, body: nil, headers: caller.header)
            #expect(response.status == expected, "\(method) \(path) as \(caller): \(response.status)")
            if expected == 303 { #expect(response.header("Location")?.hasPrefix("/login") == true || response.header("Location") == "/") }
        }
    }

    /// One `/v2` method on a route of every kind, as every caller.
    func checkDistribution(_ registry: TestRegistry, _ method: String) async throws {
        let zero = "sha256:" + String(repeating: "0", count: 64)
        let samples = [
            "/v2/", "/v2/_catalog", "/v2/team/app/tags/list", "/v2/team/app/manifests/missing", "/v2/team/app/blobs/\(zero)",
            "/v2/team/app/blobs/uploads/", "/v2/team/app/blobs/uploads/no-such-upload", "/v2/team/app/referrers/\(zero)",
        ]
        let routes = try samples.map { try #require(V2Route(path: $0)) }
        // Exhaustive: a new kind of route fails to compile here until it has a sample above.
        func kind(_ route: V2Route) -> Int {
            switch route {
            case .base: 0
            case .catalog: 1
            case .tags: 2
            case .manifest: 3
            case .blob: 4
            case .uploads: 5
            case .upload: 6
            case .referrers: 7
            }
        }
        #expect(routes.map(kind) == Array(0..<8))
        for (path, route) in zip(samples, routes) {
            let access = route.access(for: HTTPRequest.Method(method)!)
            for caller in Requester.allCases {
                let response = try await registry.request(
                    HTTPMethod(rawValue: method), path, headers: caller.header, body: method == "PUT" ? Array("{}".utf8) : nil)
                let label = "\(method) \(path) as \(caller): \(response.status) \(response.text.prefix(200))"
                let refused: Bool
                switch access {
                case nil:
                    #expect(response.status == 405, "\(label)")
                    continue
                case .anyone: refused = false
                case .probe: refused = caller == .anonymous
                case .repository(let name, let action):
                    #expect(name == "team/app")
                    refused = !caller.actions.contains(action)
                }
                if refused {
                    #expect(response.status == (caller == .anonymous ? 401 : 403), "\(label)")
                    if caller == .anonymous { #expect(response.header("WWW-Authenticate")?.hasPrefix("Bearer realm=") == true, "\(label)") }
                } else {
                    #expect(response.status != 401 && response.status != 403 && response.status < 500, "\(label)")
                }
            }
        }
    }

    /// One `/api/v1` route, with concrete parameters and a valid body, as every caller.
    func checkManagement(_ registry: TestRegistry, _ method: String, _ template: String, _ access: ManagementAccess) async throws {
        let key = "\(method) \(template)"
        var parameters = [
            "name": "team", "user": "extra", "robot": "spare", "id": "nope", "repository": "app", "digest": "sha256:" + String(repeating: "0", count: 64),
        ]
        if template.hasPrefix("/api/v1/users/") { parameters["name"] = method == "DELETE" ? "throwaway" : "dev" }
        var path = template
        for (name, value) in parameters { path = path.replacingOccurrences(of: "{\(name)}", with: value) }
        if template == "/api/v1/audit" { path += "?project=team" }
        let body = Self.body(method, template).map(Content.json)
        for caller in Requester.allCases {
            let response = try await registry.request(
                HTTPMethod(rawValue: method), path, headers: caller.header + (body == nil ? [] : [ManagementAPITests.jsonType]), body: body)
            let label = "\(method) \(path) as \(caller): \(response.status) \(response.text.prefix(200))"
            var allowed: Bool
            switch access {
            case .anyone: allowed = true
            case .signedIn: allowed = caller != .anonymous
            case .admin: allowed = caller == .admin
            case .projectRole(let needed, let parameter):
                #expect(parameters[parameter] == "team", "\(key)")
                allowed = caller == .admin || caller.role.map { Permissions.includes($0, needed) } == true
            }
            if let narrowed = Self.narrowed[key] { allowed = allowed && narrowed.contains(caller) }
            if allowed {
                #expect(response.status != 401 && response.status != 403 && response.status < 500, "\(label)")
            } else if caller == .anonymous || (key == "GET /api/v1/me" && caller == .robot) {
                #expect(response.status == 401 && response.header("WWW-Authenticate") == "Basic realm=\"berth\"", "\(label)")
            } else {
                #expect(response.status == 403 && response.errorCodes == ["DENIED"], "\(label)")
            }
        }
    }

    /// A body the route accepts, chosen to leave the roles and the project as they are.
    static func body(_ method: String, _ path: String) -> [String: Any]? {
        switch (method, path.replacingOccurrences(of: "/api/v1", with: "")) {
        case ("POST", "/users"): ["name": "made", "password": "made-password"]
        case ("PATCH", "/users/{name}"): ["email": "dev@example.test"]
        case ("POST", "/projects"): ["name": "made"]
        case ("POST", "/me/tokens"): ["name": "made", "projects": ["team": ["pull"]]]
        case ("PATCH", "/projects/{name}"): ["public": false]
        case ("POST", "/projects/{name}/members"): ["user": "extra", "role": "guest"]
        case ("PUT", "/projects/{name}/members/{user}"): ["role": "guest"]
        case ("POST", "/projects/{name}/robots"): ["name": "made", "permissions": ["pull"]]
        case ("PATCH", "/projects/{name}/robots/{robot}"), ("PATCH", "/robots/{robot}"): ["disabled": false]
        case ("POST", "/robots"): ["name": "made", "projects": ["team": ["pull"]]]
        case ("POST", "/projects/{name}/immutability-rules"): ["repository": "none/**", "tag": "never-*"]
        // No rules: refused as invalid (400), so no retention ever deletes what later rows read.
        case ("PUT", "/projects/{name}/retention"): ["rules": [Any]()]
        case ("POST", "/projects/{name}/retention/runs"), ("POST", "/gc"): ["dry_run": true]
        // A loopback target is refused (400): nothing is ever delivered.
        case ("POST", "/projects/{name}/webhooks"): ["url": "http://127.0.0.1:9/hook"]
        default: nil
        }
    }
}
