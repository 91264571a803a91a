import BerthAuth
import BerthMetadata

extension Actor {
    public init(_ identity: Identity, source: String?) {
        let kind = switch identity {
        case .anonymous: "anonymous"
        case .user: "user"
        case .robot: "robot"
        }
        self.init(name: identity.name, kind: kind, source: source)
    }
}
