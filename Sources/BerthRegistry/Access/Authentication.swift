import BerthAuth
import OCI

/// Who sent a request, as `AuthenticationMiddleware` found it. Nothing is
/// refused here: each surface answers a missing or failed sign-in its own
/// way (a Bearer challenge on `/v2`, a Basic one on `/api/v1`, an
/// anonymous token at `/service/token`).
public enum Authentication: Sendable, Equatable {
    /// No credentials were sent.
    case anonymous
    /// Credentials of a kind the surface reads, verified.
    case authenticated(Caller)
    /// Credentials were sent but not accepted.
    case failed(AuthenticationFailure)
}

/// Why credentials were not accepted.
public enum AuthenticationFailure: Sendable, Equatable {
    /// An `Authorization` scheme the surface does not read.
    case unsupportedScheme
    /// Credentials the surface reads that did not verify: why (for the
    /// challenge), and the name they claimed, if any (for the audit log).
    case invalid(reason: String, claimedName: String?)
    /// Not verified for now: too many failed sign-ins (429).
    case refused(RegistryError)
}

/// The authenticated caller of one request.
public struct Caller: Sendable, Equatable {
    public let identity: Identity
    /// The grants of a Bearer token; nil when Basic or anonymous, whose
    /// permissions are looked up instead.
    public let grants: [AccessEntry]?
    /// Signed in with a personal access token: at most what it lists.
    public let limit: TokenLimit?

    public init(identity: Identity, grants: [AccessEntry]?, limit: TokenLimit? = nil) {
        self.identity = identity
        self.grants = grants
        self.limit = limit
    }

    /// A caller without credentials: only what public projects allow.
    public static let anonymous = Caller(identity: .anonymous, grants: nil)
}
