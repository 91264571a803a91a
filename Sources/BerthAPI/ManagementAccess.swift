import BerthAuth
import BerthMetadata
import BerthRegistry
import HTTPTypes
import Hummingbird
import OCI

/// What a `/api/v1` route needs of its caller, declared where the route is
/// registered and checked before its handler runs. Handlers may narrow it
/// further (a user reads only themself; project listings are filtered).
public enum ManagementAccess: Sendable, Equatable {
    /// No sign-in needed (the OpenAPI document).
    case anyone
    /// Any signed-in user or robot.
    case signedIn
    /// System administrators.
    case admin
    /// Administrators, or members of the project the path parameter names
    /// holding the role or a higher one.
    case projectRole(Role, parameter: String)
}

/// A registered `/api/v1` route and what it declared it needs.
public struct DeclaredRoute: Sendable, Equatable {
    public let method: HTTPRequest.Method
    /// The full path as the router describes it (`/api/v1/projects/{name}`).
    public let path: String
    public let access: ManagementAccess
}

/// Registers `/api/v1` routes, each with its declared access: the API's
/// only way to add a route, so none can forget its check.
final class ManagementRoutes {
    typealias Handler = @Sendable (Request, BerthRequestContext) async throws -> Response

    private let group: RouterGroup<BerthRequestContext>
    private let prefix: String
    private let api: ManagementAPI
    private(set) var declared: [DeclaredRoute] = []

    init(_ group: RouterGroup<BerthRequestContext>, prefix: String, api: ManagementAPI) {
        self.group = group
        self.prefix = prefix
        self.api = api
    }

    func on(_ path: String, _ method: HTTPRequest.Method, requires access: ManagementAccess, use handler: @escaping Handler) {
        let api = api
        group.on(RouterPath(path), method: method) { request, context in
            try await api.check(access, context)
            return try await handler(request, context)
        }
        declared.append(DeclaredRoute(method: method, path: RouterPath(prefix + path).description, access: access))
    }
}

extension ManagementAPI {
    /// Enforces `access` as `/api/v1` always answered: 401 with a Basic
    /// challenge when not signed in, then 404 for an unknown project, then
    /// 403 `DENIED` when the permission is missing.
    func check(_ access: ManagementAccess, _ context: BerthRequestContext) async throws {
        switch access {
        case .anyone: return
        case .signedIn: _ = try signedIn(context)
        case .admin: _ = try requireAdmin(context)
        case .projectRole(let role, let parameter):
            _ = try await requireRole(context, try context.parameters.require(parameter), atLeast: role)
        }
    }

    /// The signed-in caller (Basic credentials: the only kind this surface
    /// reads); a Basic challenge otherwise.
    func signedIn(_ context: BerthRequestContext) throws -> Identity {
        switch context.authentication {
        case .authenticated(let caller): return caller.identity
        case .failed(.refused(let error)): throw error
        case .anonymous, .failed: throw AuthenticationChallenge.basic
        }
    }

    func requireAdmin(_ context: BerthRequestContext) throws -> Identity {
        let identity = try signedIn(context)
        guard identity.isAdmin else { throw RegistryError(.denied, "only system administrators may do this") }
        return identity
    }

    /// Admins, or members holding `role` or a higher one; an unknown
    /// project is 404 before any 403.
    func requireRole(_ context: BerthRequestContext, _ project: String, atLeast role: Role) async throws -> Identity {
        let identity = try signedIn(context)
        guard try await accounts.project(named: project) != nil else { throw Self.projectUnknown(project) }
        if identity.isAdmin { return identity }
        guard case .user(let name, _) = identity, let held = try await accounts.role(of: name, in: project),
              Permissions.includes(held, role)
        else { throw RegistryError(.denied, "this needs the \(role.rawValue) role in \(project) or higher") }
        return identity
    }
}
