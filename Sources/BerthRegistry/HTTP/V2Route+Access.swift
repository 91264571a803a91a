import BerthAuth
import HTTPTypes

/// What a `/v2` request needs before its handler runs.
public enum V2Access: Sendable, Equatable {
    /// Anyone, signed in or not (the catalog, which lists only what the
    /// caller may pull). Not `none`, which would read as `Optional.none`.
    case anyone
    /// Any credentials, an anonymous token included: clients probe `/v2/`
    /// to learn how to authenticate, so none get the challenge.
    case probe
    /// One action on the named repository.
    case repository(String, Action)
}

extension V2Route {
    /// What `method` needs on this route; nil when the route does not answer
    /// it (405). The one table of what each route and method needs: the
    /// switch covers every route, and a method missing here is refused
    /// before any handler is reached.
    public func access(for method: HTTPRequest.Method) -> V2Access? {
        // Runs on every request: a switch, not a set built each time.
        let read = method == .get || method == .head
        switch self {
        case .base: return read ? .probe : nil
        case .catalog: return method == .get ? .anyone : nil
        case .tags(let name), .referrers(let name, _): return method == .get ? .repository(name, .pull) : nil
        case .manifest(let name, _):
            if read { return .repository(name, .pull) }
            return method == .put ? .repository(name, .push) : method == .delete ? .repository(name, .delete) : nil
        case .blob(let name, _):
            if read { return .repository(name, .pull) }
            return method == .delete ? .repository(name, .delete) : nil
        case .uploads(let name): return method == .post ? .repository(name, .push) : nil
        case .upload(let name, _):
            switch method {
            case .get, .patch, .put, .delete: return .repository(name, .push)
            default: return nil
            }
        }
    }
}
