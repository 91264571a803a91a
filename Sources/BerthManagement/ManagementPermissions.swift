import BerthAuth
import BerthMetadata
import BerthRegistry
import OCI

/// What a management operation needs of its requester, once the project
/// it concerns is known.
public enum Requirement: Sendable, Equatable {
    /// No sign-in needed.
    case anyone
    /// Any signed-in user or robot.
    case signedIn
    /// System administrators.
    case admin
    /// Administrators, or members of the project holding the role or a higher one.
    case projectRole(Role, in: String)
}

/// Who may manage what: the one place the management surfaces' permission
/// decisions are made. Routes check what they declare here before their
/// handler runs, and every service checks its operation here again, so a
/// route and the service behind it cannot disagree, and the web UI, which
/// calls the services directly, is held to the same rules.
public struct ManagementPermissions: Sendable {
    let accounts: any AccountStore
    /// Whether any signed-in user may create projects (else admins only).
    let usersCreateProjects: Bool

    init(accounts: any AccountStore, usersCreateProjects: Bool) {
        self.accounts = accounts
        self.usersCreateProjects = usersCreateProjects
    }

    /// Enforces `requirement`, in the order `/api/v1` always answered:
    /// `SignInRequired` when not signed in, then 404 for an unknown project,
    /// then 403 `DENIED` when the permission is missing.
    @discardableResult
    public func check(_ requirement: Requirement, _ requester: Requester) async throws -> Identity {
        switch requirement {
        case .anyone: return requester.identity
        case .signedIn: return try signedIn(requester)
        case .admin:
            let identity = try signedIn(requester)
            guard identity.isAdmin else { throw RegistryError(.denied, "only system administrators may do this") }
            return identity
        case .projectRole(let role, let project):
            let identity = try signedIn(requester)
            guard try await accounts.project(named: project) != nil else { throw RegistryError.projectUnknown(project) }
            if identity.isAdmin { return identity }
            guard case .user(let name, _) = identity, let held = try await accounts.role(of: name, in: project),
                  Permissions.includes(held, role)
            else { throw RegistryError(.denied, "this needs the \(role.rawValue) role in \(project) or higher") }
            return identity
        }
    }

    /// The signed-in requester; a sign-in refused for now throws its own
    /// error. A personal access token signs in to the registry only.
    private func signedIn(_ requester: Requester) throws -> Identity {
        switch requester.authentication {
        case .authenticated(let caller) where caller.limit == nil: return caller.identity
        case .authenticated: throw SignInRequired()
        case .failed(.refused(let error)): throw error
        case .anonymous, .failed: throw SignInRequired()
        }
    }

    /// Public projects, the requester's own, and all for administrators.
    func canSee(_ project: Project, _ identity: Identity) async throws -> Bool {
        if project.isPublic || identity.isAdmin { return true }
        guard let name = identity.name else { return false }
        return try await accounts.role(of: name, in: project.name) != nil
    }
}
