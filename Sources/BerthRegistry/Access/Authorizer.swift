import BerthAuth
import BerthMetadata
import Logging

/// Access control with `auth: token`, in three parts: who the caller is
/// (`authenticator`), what they may do (`decisions`), and how they are told
/// to sign in (`challenges`).
public struct Authorizer: Sendable {
    public let authenticator: Authenticator
    public let decisions: AccessDecisions
    public let challenges: Challenges
    /// Other issuers' OIDC tokens exchanged for registry tokens.
    public let federation: FederatedSignIn

    public init(
        accounts: any AccountStore, tokens: TokenService, passwords: PasswordHasher, realm: String?,
        throttle: LoginThrottle = LoginThrottle(), autoCreateProjects: Bool = false, events: any EventSink = EventFanOut([]),
        logger: Logger
    ) {
        authenticator = Authenticator(
            accounts: accounts, tokens: tokens, passwords: passwords, throttle: throttle, events: events, logger: logger)
        challenges = Challenges(realm: realm, service: tokens.service)
        decisions = AccessDecisions(accounts: accounts, challenges: challenges, autoCreateProjects: autoCreateProjects, logger: logger)
        federation = FederatedSignIn(rules: accounts)
    }
}
