import HTTPTypes
import Hummingbird

/// How callers are told to sign in: the `WWW-Authenticate` challenges, and
/// where the token endpoint is.
public struct Challenges: Sendable {
    /// Where clients fetch tokens; nil derives it from the request's Host.
    public let realm: String?
    /// The `service` clients name when asking for a token.
    let service: String

    public init(realm: String?, service: String) {
        self.realm = realm
        self.service = service
    }

    /// A 401 with the `Bearer` challenge that sends Docker clients to the
    /// token endpoint, naming the scope needed when there is one.
    func bearer(_ request: Request, scope: String?, message: String?, error: String? = nil) -> AuthenticationChallenge {
        var value = "Bearer realm=\"\(realmURL(request))\",service=\"\(service)\""
        if let scope { value += ",scope=\"\(scope)\"" }
        if let error { value += ",error=\"\(error)\"" }
        return AuthenticationChallenge(header: value, message: message ?? "authentication required")
    }

    /// The token endpoint as the client reached this node: behind a proxy,
    /// the scheme and host it forwarded.
    func realmURL(_ request: Request) -> String {
        if let realm { return realm }
        let scheme = request.headers[HTTPField.Name("X-Forwarded-Proto")!] ?? "http"
        let host = request.headers[HTTPField.Name("X-Forwarded-Host")!] ?? request.head.authority ?? "localhost"
        return "\(scheme)://\(host)/service/token"
    }
}

/// Rendered as 401 `UNAUTHORIZED` with `WWW-Authenticate`.
public struct AuthenticationChallenge: Error, Sendable {
    public let header: String
    public let message: String

    public init(header: String, message: String) {
        self.header = header
        self.message = message
    }

    /// `/api/v1`'s answer to a caller not signed in.
    public static let basic = AuthenticationChallenge(header: "Basic realm=\"berth\"", message: "sign in with Basic credentials")
}
