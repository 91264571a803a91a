import BerthAuth
import Hummingbird
import OCI

/// The kinds of credentials a request may carry; each surface reads some.
public enum CredentialScheme: Sendable, Hashable {
    /// `Authorization: Basic`: a user's or robot's name and password.
    case basic
    /// `Authorization: Bearer`: an access token from `/service/token`.
    case bearer
    /// The web UI's session cookie.
    case session
}

/// One way of finding credentials in a request and verifying them. A new
/// way to sign in (a session cookie, an OIDC token) is one more of these,
/// and a line in `Surface.acceptedSchemes`.
public protocol CredentialResolver: Sendable {
    var scheme: CredentialScheme { get }
    /// nil when the request carries no credentials of this kind.
    func resolve(_ request: Request, on surface: Surface, source: String) async throws -> Authentication?
}

/// `Authorization: Bearer <token>`, verified against the token key.
struct BearerTokenResolver: CredentialResolver {
    let authenticator: Authenticator
    var scheme: CredentialScheme { .bearer }

    func resolve(_ request: Request, on surface: Surface, source: String) async throws -> Authentication? {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else { return nil }
        do {
            return .authenticated(try await authenticator.caller(bearer: String(header.dropFirst(7))))
        } catch let error as TokenError {
            return .failed(.invalid(reason: error.description, claimedName: nil))
        }
    }
}

/// `Authorization: Basic <name:password>`, verified (or remembered, where
/// the surface allows).
struct BasicResolver: CredentialResolver {
    let authenticator: Authenticator
    var scheme: CredentialScheme { .basic }

    func resolve(_ request: Request, on surface: Surface, source: String) async throws -> Authentication? {
        guard let header = request.headers[.authorization], header.hasPrefix("Basic ") else { return nil }
        // `docker login -u oidc` with an OIDC token: exchanged at the token endpoint, no password here.
        if let (name, password) = Authenticator.basic(header), name == FederatedSignIn.userName, FederatedSignIn.isJWT(password) { return nil }
        do {
            guard let signedIn = try await authenticator.signIn(basic: header, source: source, remembering: surface.remembersSignIns) else {
                return .failed(.invalid(reason: "invalid username or password", claimedName: Authenticator.basic(header)?.0))
            }
            return .authenticated(Caller(identity: signedIn.identity, grants: nil, limit: signedIn.limit))
        } catch let error as RegistryError where error.code == .tooManyRequests {
            return .failed(.refused(error))
        }
    }
}
