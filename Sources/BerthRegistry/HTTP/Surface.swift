/// The parts of Berth's HTTP interface, told apart by path: each reads its
/// own kinds of credentials and writes its own kind of error.
public enum Surface: Sendable {
    /// `/v2`: the Distribution API.
    case distribution
    /// `/service/token`: the Docker token endpoint.
    case tokens
    /// `/api/v1`: the management API.
    case management
    /// `/healthz` and `/metrics`: for operators' probes and scrapers.
    case site
    /// Everything else: the web UI's pages, signed in with a session cookie.
    case ui

    public init(path: String) {
        func under(_ prefix: String) -> Bool { path == prefix || path.hasPrefix(prefix + "/") }
        self = if under("/v2") { .distribution }
            else if under("/service/token") { .tokens }
            else if under("/api/v1") { .management }
            else if under("/healthz") || under("/metrics") { .site }
            else { .ui }
    }

    /// The credentials read here. `/v2` takes tokens and Basic; the token
    /// endpoint and `/api/v1` take Basic only (a token grants actions on
    /// repositories, never on accounts or settings); the web UI takes only
    /// its session cookie, which no other surface accepts (a cookie the
    /// browser sends by itself must not authorise an API call: CSRF).
    var acceptedSchemes: Set<CredentialScheme> {
        switch self {
        case .distribution: [.bearer, .basic]
        case .tokens, .management: [.basic]
        case .ui: [.session]
        case .site: []
        }
    }

    /// Whether a Basic sign-in may be answered from the 30-second cache of
    /// verified ones. Not at the token endpoint: a token it signs outlives
    /// the request, so a disabled account or a changed password must tell.
    var remembersSignIns: Bool { self != .tokens }
}
