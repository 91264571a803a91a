/// Who is making a request, once credentials were checked.
public enum Identity: Sendable, Equatable, CustomStringConvertible {
    case anonymous
    case user(name: String, isAdmin: Bool)
    /// A robot account, `robot$…`: only its explicit permissions.
    case robot(name: String)

    public var name: String? {
        switch self {
        case .anonymous: nil
        case .user(let name, _): name
        case .robot(let name): name
        }
    }

    public var isAdmin: Bool {
        if case .user(_, true) = self { return true }
        return false
    }

    public var description: String { name ?? "anonymous" }
}
