import Hummingbird
import Logging
import NIOCore

/// Per-request state: Hummingbird's core storage (logger with request id,
/// parameters) and the caller's address. Identity and granted scopes join
/// it when access control arrives.
public struct BerthRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Where the request came from, for logs and (later) audit and rate limits.
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The caller's IP address, for logs and sign-in throttling.
    public var source: String { remoteAddress?.ipAddress ?? "unknown" }
}
