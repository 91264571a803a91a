import BerthAuth
import Hummingbird
import Logging
import NIOCore

/// Per-request state: Hummingbird's core storage (logger with request id,
/// parameters), the caller's address, and who the caller is.
public struct BerthRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The socket's peer: the client, or the proxy in front of Berth.
    public let remoteAddress: SocketAddress?
    /// The caller's IP address, for logs, audit and sign-in throttling: the
    /// socket peer's, or, when that is one of `trusted_proxies`, the client
    /// `X-Forwarded-For` names (set by `ClientAddressMiddleware`).
    public internal(set) var source: String
    /// Whether the socket peer is one of `trusted_proxies`, whose
    /// `X-Forwarded-*` headers may be believed.
    public internal(set) var forwardedFromTrustedProxy = false
    /// Who sent the request, as `AuthenticationMiddleware` resolved it;
    /// anonymous where it does not run (`auth: none`).
    public internal(set) var authentication = Authentication.anonymous

    /// The verified identity of the caller; anonymous without one.
    public var identity: Identity {
        if case .authenticated(let caller) = authentication { caller.identity } else { .anonymous }
    }

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
        // NIO prints IPv4 peers canonically already; only IPv6 (a mapped
        // IPv4 peer on a dual-stack socket) needs reading, on every request.
        self.source = remoteAddress?.ipAddress.map { $0.contains(":") ? (IPAddress($0)?.description ?? $0) : $0 } ?? "unknown"
    }

    /// The socket peer's address, parsed; nil for a Unix socket.
    public var peerAddress: IPAddress? { remoteAddress?.ipAddress.flatMap { IPAddress($0) } }
}
