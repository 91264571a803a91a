import HTTPTypes
import Hummingbird

/// Sets `context.source` to the real client's address: the socket peer's,
/// or, when the peer is a trusted proxy, the one `X-Forwarded-For` names
/// (see `TrustedProxies.client`). From any other peer the `X-Forwarded-*`
/// headers are removed, so nothing further down can believe them. Add it
/// before every other middleware: logs, audit and throttling use the address.
public struct ClientAddressMiddleware: RouterMiddleware {
    public typealias Context = BerthRequestContext
    let trusted: TrustedProxies

    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!
    static let forwardedHeaders = [forwardedFor, HTTPField.Name("X-Forwarded-Proto")!, HTTPField.Name("X-Forwarded-Host")!]

    public init(trusted: TrustedProxies) {
        self.trusted = trusted
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        var request = request
        if let peer = context.peerAddress, !trusted.ranges.isEmpty {
            let (client, viaProxy) = trusted.client(peer: peer, forwardedFor: request.headers[values: Self.forwardedFor])
            context.source = client.description
            context.forwardedFromTrustedProxy = viaProxy
        }
        if !context.forwardedFromTrustedProxy, Self.forwardedHeaders.contains(where: { request.headers[$0] != nil }) {
            var head = request.head
            for name in Self.forwardedHeaders { head.headerFields[name] = nil }
            request = Request(head: head, body: request.body)
        }
        return try await next(request, context)
    }
}
