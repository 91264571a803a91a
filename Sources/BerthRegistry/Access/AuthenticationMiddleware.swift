import Hummingbird

/// Resolves who sent each request, once, into `context.authentication`,
/// with the resolvers the request's surface accepts. It refuses nothing:
/// the routes decide what they need, and each surface answers a missing
/// or failed sign-in its own way.
public struct AuthenticationMiddleware: RouterMiddleware {
    public typealias Context = BerthRequestContext
    let resolvers: [any CredentialResolver]

    /// `others`: ways of signing in that other modules add (the web UI's sessions).
    public init(authenticator: Authenticator, others: [any CredentialResolver] = []) {
        resolvers = authenticator.resolvers + others
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.authentication = try await authentication(of: request, on: Surface(path: request.uri.path), source: context.source)
        return try await next(request, context)
    }

    func authentication(of request: Request, on surface: Surface, source: String) async throws -> Authentication {
        for resolver in resolvers where surface.acceptedSchemes.contains(resolver.scheme) {
            if let found = try await resolver.resolve(request, on: surface, source: source) { return found }
        }
        return request.headers[.authorization] == nil ? .anonymous : .failed(.unsupportedScheme)
    }
}
