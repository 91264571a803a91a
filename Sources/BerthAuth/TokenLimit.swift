/// What a personal access token lets its user do at most: the actions it
/// lists per project (the user's own role still applies), and nothing on
/// the management API.
public struct TokenLimit: Sendable, Equatable {
    /// `user/name`: which token, for revocation and the audit.
    public let token: String
    public let projects: [String: Set<Action>]

    public init(token: String, projects: [String: Set<Action>]) {
        self.token = token
        self.projects = projects
    }

    public func allows(_ action: Action, in project: String) -> Bool {
        projects[project]?.contains(action) ?? false
    }

    public func narrow(_ actions: Set<Action>, in project: String) -> Set<Action> {
        actions.intersection(projects[project] ?? [])
    }
}
