import BerthAuth
import BerthMetadata
import Hummingbird
import Logging
import OCI

/// Whether a caller may act on a repository: a token's grants, or the
/// caller's role, robot permissions and the project's visibility. A caller
/// without the permission gets 401 and a challenge (no credentials, or a
/// token lacking the scope) or 403 (credentials fine, permission missing);
/// a private repository therefore answers exactly as a missing one does.
public struct AccessDecisions: Sendable {
    let accounts: any AccountStore
    public let access: AccessController
    let challenges: Challenges
    /// Whether a push into a project that does not exist creates it
    /// (private) instead of being refused.
    let autoCreateProjects: Bool
    let logger: Logger

    public init(accounts: any AccountStore, challenges: Challenges, autoCreateProjects: Bool, logger: Logger) {
        self.accounts = accounts
        self.access = AccessController(accounts: accounts)
        self.challenges = challenges
        self.autoCreateProjects = autoCreateProjects
        self.logger = logger
    }

    /// Checks that `caller` may perform `action` on `repository`. Pushes
    /// need the project to exist (or to be auto-created).
    func require(_ action: Action, on repository: RepositoryName, caller: Caller, request: Request) async throws {
        // A Basic sign-in with a personal access token; a Bearer token's grants were narrowed when it was issued.
        if let limit = caller.limit, caller.grants == nil, !limit.allows(action, in: repository.project) {
            // What anyone may do (pull a public project) a token's holder may too.
            if try await access.actions(of: .anonymous, on: repository).contains(action) { return }
            throw RegistryError(
                .denied, "the personal access token \(limit.token) does not allow \(action.rawValue) in project \(repository.project)",
                detail: ["repository": repository.value, "action": action.rawValue])
        }
        if action == .push, caller.identity != .anonymous, try await accounts.project(named: repository.project) == nil {
            try await createProject(of: repository, pushedBy: caller.identity)
        }
        let scope = "repository:\(repository):\(action == .pull ? "pull" : action == .push ? "pull,push" : action.rawValue)"
        if let grants = caller.grants {
            // A token may name a repository in several entries (containerd asks
            // for `pull` and `pull,push` in one request): any of them may grant.
            let granted = grants.filter { $0.type == "repository" && $0.name == repository.value }.flatMap(\.actions)
            if granted.contains(action.rawValue) || granted.contains("*") { return }
            // As Distribution answers: a token lacking the action is a 401
            // naming the scope needed, never a 403, because clients reuse a
            // pull token for a push (containerd, oras) and fetch a wider one
            // only when challenged. The token endpoint then narrows it to what
            // the caller really holds, and a second 401 ends the attempt.
            throw challenges.bearer(
                request, scope: scope, message: "the token does not grant \(action.rawValue) on \(repository)",
                error: "insufficient_scope")
        }
        if try await access.actions(of: caller.identity, on: repository).contains(action) { return }
        guard caller.identity != .anonymous else { throw challenges.bearer(request, scope: scope, message: nil) }
        throw RegistryError(.denied, detail: ["repository": repository.value, "action": action.rawValue])
    }

    /// The first push into a project that does not exist: creates it when
    /// `auto_create_projects` lets this user, else refuses.
    private func createProject(of repository: RepositoryName, pushedBy identity: Identity) async throws {
        // Federated callers (`oidc/<rule>`) are no users: they never create projects.
        guard autoCreateProjects, case .user(let name, let isAdmin) = identity, !name.contains("/") else {
            throw RegistryError(
                .nameUnknown,
                "project \(repository.project) does not exist: create it first (berth project add, or POST /api/v1/projects)",
                detail: ["project": repository.project])
        }
        do {
            try await accounts.createProject(Project(name: repository.project, isPublic: false))
            // Only the caller whose create succeeded administers the project:
            // one racing it gets the permissions the winner gives it, if any.
            if !isAdmin { try await accounts.setMember(name, of: repository.project, role: .projectAdmin) }
            logger.notice("project created by a push", metadata: ["project": "\(repository.project)", "by": "\(name)"])
        } catch AccountStoreError.exists {}
    }

    /// The actions a token grants `identity` on `repository`: those it holds,
    /// or, for a push into a project that does not exist yet and will be
    /// created for this user (`auto_create_projects`), those its creator
    /// will hold, so that `docker login` + `docker push` work.
    public func grant(_ requested: Set<Action>, to identity: Identity, on repository: RepositoryName) async throws -> Set<Action> {
        if autoCreateProjects, requested.contains(.push), case .user = identity,
           try await accounts.project(named: repository.project) == nil
        {
            return requested.intersection(Permissions.actions(of: .projectAdmin))
        }
        return try await access.grant(requested, to: identity, on: repository)
    }

    /// Whether `caller` may read `repository` (for the catalog and mounts).
    func mayPull(_ repository: RepositoryName, caller: Caller) async throws -> Bool {
        if tokenGrantsPull(repository, caller: caller) { return true }
        // A personal access token (or a token issued from one): only its projects, and what anyone may read.
        if let limit = caller.limit, !limit.allows(.pull, in: repository.project) {
            return try await access.actions(of: .anonymous, on: repository).contains(.pull)
        }
        return try await access.actions(of: caller.identity, on: repository).contains(.pull)
    }

    /// Whether `caller` holds `scan` on `repository`: its token names it (the
    /// token endpoint granted it only to a robot holding it), or, signed in
    /// with Basic, a robot whose permissions include it.
    func holdsScan(_ repository: RepositoryName, caller: Caller) async throws -> Bool {
        if let grants = caller.grants {
            return grants.contains { $0.type == "repository" && $0.name == repository.value && $0.actions.contains(Action.scan.rawValue) }
        }
        guard case .robot = caller.identity else { return false }
        return try await access.actions(of: caller.identity, on: repository).contains(.scan)
    }

    /// Whether the caller's token names `repository` with `pull`.
    func tokenGrantsPull(_ repository: RepositoryName, caller: Caller) -> Bool {
        caller.grants?.contains { $0.type == "repository" && $0.name == repository.value && $0.actions.contains("pull") } ?? false
    }
}
