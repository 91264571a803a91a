import BerthMetadata
import OCI

/// Decides what an identity may do to a repository, from the project's
/// visibility, the identity's role in it, and the admin flag.
public struct AccessController: Sendable {
    let accounts: any AccountStore

    public init(accounts: any AccountStore) {
        self.accounts = accounts
    }

    /// The actions `identity` holds on `repository`.
    public func actions(of identity: Identity, on repository: RepositoryName) async throws -> Set<Action> {
        if identity.isAdmin { return Action.ordinary }
        let project = try await accounts.project(named: repository.project)
        var granted: Set<Action> = project?.isPublic == true ? [.pull] : []
        guard project != nil else { return granted }
        switch identity {
        case .user(let name, _):
            if let role = try await accounts.role(of: name, in: repository.project) {
                granted.formUnion(Permissions.actions(of: role))
            }
        case .robot(let name):
            if let robot = try await accounts.robot(named: name), robot.isUsable() {
                granted.formUnion((robot.permissions[repository.project] ?? []).compactMap(Action.init(rawValue:)))
            }
        case .anonymous:
            break
        }
        return granted
    }

    /// Narrows `requested` to what `identity` holds, as the token spec says:
    /// never refused, only reduced.
    public func grant(_ requested: Set<Action>, to identity: Identity, on repository: RepositoryName) async throws -> Set<Action> {
        requested.intersection(try await actions(of: identity, on: repository))
    }
}
