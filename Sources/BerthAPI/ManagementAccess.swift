import BerthManagement
import BerthMetadata
import BerthRegistry
import HTTPTypes
import Hummingbird

/// What a `/api/v1` route needs of its caller, declared where the route is
/// registered and checked before its handler runs. The service the handler
/// calls checks its operation again with the same `ManagementPermissions`,
/// and may narrow it further (a user reads only themself; project
/// listings are filtered).
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

    /// The requirement for a request, with the project its path names.
    func requirement(_ parameter: (String) throws -> String) rethrows -> Requirement {
        switch self {
        case .anyone: .anyone
        case .signedIn: .signedIn
        case .admin: .admin
        case .projectRole(let role, let name): .projectRole(role, in: try parameter(name))
        }
    }
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
    private let permissions: ManagementPermissions
    private(set) var declared: [DeclaredRoute] = []

    init(_ group: RouterGroup<BerthRequestContext>, prefix: String, permissions: ManagementPermissions) {
        self.group = group
        self.prefix = prefix
        self.permissions = permissions
    }

    /// A caller not signed in is answered with a Basic challenge, whether
    /// the declaration or the service found it.
    func on(_ path: String, _ method: HTTPRequest.Method, requires access: ManagementAccess, use handler: @escaping Handler) {
        let permissions = permissions
        group.on(RouterPath(path), method: method) { request, context in
            do {
                try await permissions.check(access.requirement { try context.parameters.require($0) }, context.requester)
                return try await handler(request, context)
            } catch is SignInRequired {
                throw AuthenticationChallenge.basic
            }
        }
        declared.append(DeclaredRoute(method: method, path: RouterPath(prefix + path).description, access: access))
    }
}

extension BerthRequestContext {
    /// The caller, as the management services take it.
    var requester: Requester { Requester(authentication: authentication, source: source, logger: logger) }
}
