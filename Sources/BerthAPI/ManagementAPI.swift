import BerthAuth
import BerthMetadata
import BerthPolicies
import BerthRegistry
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import OCI

/// `/api/v1`: users, projects and members as JSON, authenticated with
/// Basic credentials, under the same permission matrix as `/v2`.
public struct ManagementAPI: Sendable {
    let authorizer: Authorizer
    let store: any RegistryStore
    let maintenance: Maintenance
    let quotas: QuotaEnforcer
    let webhooks: WebhookNotifier
    /// Changes made through the API go to the audit log.
    let events: any EventSink
    /// What `POST /gc` does unless the request says otherwise.
    let defaultCollection: GarbageCollector.Options
    /// Whether any signed-in user may create projects (else admins only).
    let usersCreateProjects: Bool

    public init(
        authorizer: Authorizer, store: any RegistryStore, maintenance: Maintenance, quotas: QuotaEnforcer,
        webhooks: WebhookNotifier, events: any EventSink, defaultCollection: GarbageCollector.Options, usersCreateProjects: Bool
    ) {
        self.quotas = quotas
        self.authorizer = authorizer
        self.store = store
        self.webhooks = webhooks
        self.events = events
        self.maintenance = maintenance
        self.defaultCollection = defaultCollection
        self.usersCreateProjects = usersCreateProjects
    }

    var accounts: any AccountStore { authorizer.accounts }

    public func addRoutes(to router: Router<BerthRequestContext>) {
        let api = router.group("/api/v1").add(middleware: ChangeAuditMiddleware(events: events))
        api.get("/openapi.json") { _, _ in OpenAPIDocument.response() }
        api.get("/me") { request, context in try await me(request, context) }
        api.get("/users") { request, context in try await listUsers(request, context) }
        api.post("/users") { request, context in try await createUser(request, context) }
        api.get("/users/{name}") { request, context in try await getUser(request, context, context.parameters.require("name")) }
        api.patch("/users/{name}") { request, context in try await updateUser(request, context, context.parameters.require("name")) }
        api.delete("/users/{name}") { request, context in try await deleteUser(request, context, context.parameters.require("name")) }
        api.get("/projects") { request, context in try await listProjects(request, context) }
        api.post("/projects") { request, context in try await createProject(request, context) }
        api.get("/projects/{name}") { request, context in try await getProject(request, context, context.parameters.require("name")) }
        api.patch("/projects/{name}") { request, context in try await updateProject(request, context, context.parameters.require("name")) }
        api.delete("/projects/{name}") { request, context in try await deleteProject(request, context, context.parameters.require("name")) }
        api.get("/projects/{name}/members") { request, context in try await listMembers(request, context, context.parameters.require("name")) }
        api.post("/projects/{name}/members") { request, context in
            try await setMember(request, context, project: context.parameters.require("name"), user: nil)
        }
        api.put("/projects/{name}/members/{user}") { request, context in
            try await setMember(request, context, project: context.parameters.require("name"), user: context.parameters.require("user"))
        }
        addRobotRoutes(to: api)
        addPolicyRoutes(to: api)
        addRetentionRoutes(to: api)
        addMaintenanceRoutes(to: api)
        addEventRoutes(to: api)
        api.delete("/projects/{name}/members/{user}") { request, context in
            try await removeMember(request, context, project: context.parameters.require("name"), user: context.parameters.require("user"))
        }
    }

    // MARK: Authentication

    /// The signed-in user; 401 with a Basic challenge otherwise.
    func signedIn(_ request: Request, _ context: BerthRequestContext) async throws -> Identity {
        if let header = request.headers[.authorization], header.hasPrefix("Basic "),
           let identity = try await authorizer.signIn(basic: header, source: context.source)
        {
            return identity
        }
        throw BasicChallenge()
    }

    func requireAdmin(_ request: Request, _ context: BerthRequestContext) async throws -> Identity {
        let identity = try await signedIn(request, context)
        guard identity.isAdmin else { throw RegistryError(.denied, "only system administrators may do this") }
        return identity
    }

    /// Admins and the project's ProjectAdmins manage a project.
    /// Admins, or members holding `role` or a higher one.
    func requireRole(_ request: Request, _ context: BerthRequestContext, _ project: String, atLeast role: Role) async throws -> Identity {
        let identity = try await signedIn(request, context)
        guard try await accounts.project(named: project) != nil else { throw Self.projectUnknown(project) }
        if identity.isAdmin { return identity }
        guard case .user(let name, _) = identity, let held = try await accounts.role(of: name, in: project),
              Permissions.includes(held, role)
        else { throw RegistryError(.denied, "this needs the \(role.rawValue) role in \(project) or higher") }
        return identity
    }

    func requireProjectAdmin(_ request: Request, _ context: BerthRequestContext, _ project: String) async throws -> Identity {
        try await requireRole(request, context, project, atLeast: .projectAdmin)
    }

    // MARK: Bodies

    struct UserBody: Codable {
        let name: String
        let email: String
        let admin: Bool
        let disabled: Bool
    }

    struct ProjectBody: Codable {
        let name: String
        let `public`: Bool
    }

    struct MemberBody: Codable {
        let user: String
        let role: Role
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // RFC 3339 (`2026-12-01T07:31:39Z`), not Foundation's seconds since 2001.
        encoder.dateEncodingStrategy = .iso8601
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    static func decode<T: Decodable>(_ type: T.Type, _ request: Request, _ context: BerthRequestContext) async throws -> T {
        do {
            return try await request.decode(as: type, context: context)
        } catch {
            throw RegistryError(.unsupported, "the request body is not the expected JSON: \(error)", status: 400)
        }
    }

    /// A body that may be left out: nil when the request has none (then
    /// the documented defaults apply); anything else must parse, because a
    /// default that deletes is never a safe reading of a typo.
    static func decodeIfPresent<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T? {
        var body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: 1 << 20)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw RegistryError(.unsupported, "the request body is larger than 1 MiB", status: 413)
        }
        let bytes = body.readBytes(length: body.readableBytes) ?? []
        guard !bytes.isEmpty else { return nil }
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch {
            throw RegistryError(.unsupported, "the request body is not the expected JSON: \(error)", status: 400)
        }
    }

    static func userBody(_ user: User) -> UserBody {
        UserBody(name: user.name, email: user.email, admin: user.isAdmin, disabled: user.isDisabled)
    }

    static func userUnknown(_ name: String) -> RegistryError {
        RegistryError(.nameUnknown, "no user \(name.prefix(64))", status: 404)
    }

    static func projectUnknown(_ name: String) -> RegistryError {
        RegistryError(.nameUnknown, "no project \(name.prefix(64))", status: 404)
    }

    static func validName(_ name: String, what: String) throws {
        guard (try? RepositoryName(parsing: name)) != nil, !name.contains("/"), name.count <= 64 else {
            throw RegistryError(.nameInvalid, "\(what) names are lowercase letters and digits, separated by '.', '_' or '-'")
        }
    }
}

/// Rendered as 401 with `WWW-Authenticate: Basic`.
struct BasicChallenge: Error, HTTPResponseError {
    var status: HTTPResponse.Status { .unauthorized }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = #"{"errors":[{"code":"UNAUTHORIZED","message":"sign in with Basic credentials"}]}"#
        return Response(
            status: .unauthorized,
            headers: [.contentType: "application/json", .wwwAuthenticate: "Basic realm=\"berth\""],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
