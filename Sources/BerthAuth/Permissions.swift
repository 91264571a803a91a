import BerthMetadata

/// What a caller may do to a repository; the `actions` of a token.
public enum Action: String, Sendable, CaseIterable, Codable, Comparable {
    case pull
    case push
    case delete
    /// Pull past the vulnerability policy: only for scanners, so only a
    /// robot given it explicitly holds it (never an administrator, never a role).
    case scan

    /// What roles and administrators hold at most: every action but `scan`.
    public static let ordinary: Set<Action> = [.pull, .push, .delete]

    public static func < (lhs: Action, rhs: Action) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The permission matrix, with Harbor's meanings of the roles:
///
/// | role          | pull | push | delete | manage members, robots, settings |
/// |---------------|------|------|--------|----------------------------------|
/// | Guest         |  ✓   |      |        |                                  |
/// | Developer     |  ✓   |  ✓   |        |                                  |
/// | Maintainer    |  ✓   |  ✓   |   ✓    |  (tag policies)                  |
/// | ProjectAdmin  |  ✓   |  ✓   |   ✓    |  ✓                               |
/// | system admin  |  ✓   |  ✓   |   ✓    |  ✓, in every project             |
///
/// Anyone, signed in or not, may pull from a public project.
public enum Permissions {
    public static func actions(of role: Role) -> Set<Action> {
        switch role {
        case .guest: [.pull]
        case .developer: [.pull, .push]
        case .maintainer, .projectAdmin: [.pull, .push, .delete]
        }
    }

    /// Whether the role may manage the project (members, settings).
    public static func managesProject(_ role: Role) -> Bool { includes(role, .projectAdmin) }

    /// Whether `held` grants at least what `needed` does (roles are ordered
    /// Guest < Developer < Maintainer < ProjectAdmin).
    public static func includes(_ held: Role, _ needed: Role) -> Bool {
        let order: [Role] = [.guest, .developer, .maintainer, .projectAdmin]
        return order.firstIndex(of: held)! >= order.firstIndex(of: needed)!
    }
}
