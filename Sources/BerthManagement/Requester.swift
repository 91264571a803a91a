import BerthAuth
import BerthMetadata
import BerthRegistry
import Logging

/// Who asks a management service for something, as each surface (`/api/v1`,
/// the web UI) found it: the sign-in the request carried, the caller's
/// address for the audit log, and the request's logger, so that a
/// service's log lines carry the request's id.
public struct Requester: Sendable {
    /// Kept whole rather than as an identity: a sign-in refused for now
    /// (throttled) answers with its own error, not with "sign in".
    public let authentication: Authentication
    public let source: String
    public let logger: Logger

    public init(authentication: Authentication, source: String, logger: Logger) {
        self.authentication = authentication
        self.source = source
        self.logger = logger
    }

    /// The verified identity; anonymous without one, and for a personal
    /// access token, which signs in to the registry only (a leaked token
    /// must not manage the account that made it).
    public var identity: Identity {
        if case .authenticated(let caller) = authentication, caller.limit == nil { caller.identity } else { .anonymous }
    }

    /// As the audit log names it.
    var actor: Actor { Actor(identity, source: source) }
}

/// Thrown when an operation needs a signed-in user and the requester is
/// none; each surface asks in its own way (a Basic challenge, a sign-in page).
public struct SignInRequired: Error, Sendable, Equatable {
    public init() {}
}
