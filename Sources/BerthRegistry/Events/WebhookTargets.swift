import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where webhooks may be sent: http and https only, and — unless
/// `allowPrivate` (`webhook_allow_private`) — never to loopback,
/// link-local (cloud metadata), private, unspecified or otherwise
/// internal addresses, whether the URL names the address or a host that
/// resolves to it. Checked when a webhook is created and again before each
/// delivery, where the delivery then connects to the address checked.
public struct WebhookTargets: Sendable {
    public let allowPrivate: Bool

    public init(allowPrivate: Bool) {
        self.allowPrivate = allowPrivate
    }

    public enum Verdict: Sendable, Equatable {
        /// May be sent. `host` resolved to `address`, which was checked:
        /// connect there (nil: the URL names an address, or private
        /// addresses are allowed and nothing was resolved).
        case allowed(host: String, address: String?)
        /// Must never be sent, and why.
        case refused(String)
        /// The host does not resolve (now): why.
        case unresolved(String)
    }

    /// How long resolving a host may take.
    static let resolutionTimeout: TimeInterval = 5

    /// Checks `url`, resolving its host (with getaddrinfo, on a thread
    /// outside the cooperative pool) when it is a name.
    public func check(_ url: String) async -> Verdict {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), ["http", "https"].contains(scheme) else {
            return .refused("only http and https URLs may be webhooks")
        }
        // The host as AsyncHTTPClient reads it, so the address checked is the one it would connect to.
        guard var host = parsed.host, !host.isEmpty else { return .refused("the webhook URL has no host") }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if allowPrivate { return .allowed(host: host, address: nil) }
        if let address = IPAddress.numericHost(host) {
            if let rule = address.refusedRange { return .refused(Self.explain("\(host) is \(rule)")) }
            return .allowed(host: host, address: nil)
        }
        let addresses: [IPAddress]
        switch await Self.resolve(host, timeout: Self.resolutionTimeout) {
        case .success(let found): addresses = found
        case .failure(let error): return .unresolved("cannot resolve \(host): \(error.description)")
        }
        guard let first = addresses.first else { return .unresolved("cannot resolve \(host): no address") }
        // Any refused address refuses the host: a name may not mix outside and inside addresses.
        for address in addresses {
            if let rule = address.refusedRange { return .refused(Self.explain("\(host) resolves to \(address), \(rule)")) }
        }
        return .allowed(host: host, address: first.description)
    }

    static func explain(_ finding: String) -> String {
        "webhook URL refused: \(finding); webhooks may not reach loopback, link-local, private or unspecified addresses "
            + "unless the registry sets webhook_allow_private: true"
    }

    struct ResolutionError: Error, CustomStringConvertible {
        let description: String
    }

    /// Every address `host` resolves to; getaddrinfo blocks, so it runs on a
    /// Dispatch thread, and is given up (left to finish alone) after `timeout`.
    static func resolve(_ host: String, timeout: TimeInterval) async -> Result<[IPAddress], ResolutionError> {
        await withCheckedContinuation { (continuation: CheckedContinuation<Result<[IPAddress], ResolutionError>, Never>) in
            let once = ResumeOnce(continuation)
            DispatchQueue.global().async { once.resume(resolveBlocking(host)) }
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
                once.resume(.failure(ResolutionError(description: "timed out after \(Int(timeout)) s")))
            }
        }
    }

    private final class ResumeOnce: Sendable {
        private let continuation: Mutex<CheckedContinuation<Result<[IPAddress], ResolutionError>, Never>?>
        init(_ continuation: CheckedContinuation<Result<[IPAddress], ResolutionError>, Never>) {
            self.continuation = Mutex(continuation)
        }
        func resume(_ result: Result<[IPAddress], ResolutionError>) {
            continuation.withLock { $0.take() }?.resume(returning: result)
        }
    }

    static func resolveBlocking(_ host: String) -> Result<[IPAddress], ResolutionError> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0, let list else {
            return .failure(ResolutionError(description: String(cString: gai_strerror(status))))
        }
        defer { freeaddrinfo(list) }
        var addresses: [IPAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = list
        while let entry = cursor {
            if let socketAddress = entry.pointee.ai_addr {
                switch entry.pointee.ai_family {
                case AF_INET:
                    let raw = socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
                    if let address = IPAddress(bytes: withUnsafeBytes(of: raw) { Array($0) }) { addresses.append(address) }
                case AF_INET6:
                    let raw = socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                    if let address = IPAddress(bytes: withUnsafeBytes(of: raw) { Array($0) }) { addresses.append(address) }
                default: break
                }
            }
            cursor = entry.pointee.ai_next
        }
        var unique: [IPAddress] = []
        for address in addresses where !unique.contains(address) { unique.append(address) }
        return .success(unique)
    }
}

/// Webhook targets are `IPAddress`es read as the HTTP client reads a host:
/// exactly as `inet_pton` does (no ports, zones or IPv4-mapped folding, so
/// a mapped form is refused as such), and judged by the ranges below.
extension IPAddress {
    /// A numeric host as `inet_pton` reads it; nil for a name.
    static func numericHost(_ text: String) -> IPAddress? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return IPAddress(bytes: withUnsafeBytes(of: v4) { Array($0) }) }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return IPAddress(bytes: withUnsafeBytes(of: v6) { Array($0) }) }
        return nil
    }

    /// What refused range the address is in (`a loopback address (127.0.0.0/8)`), or nil when webhooks may reach it.
    var refusedRange: String? {
        bytes.count == 4 ? Self.refusedV4(bytes) : Self.refusedV6(bytes)
    }

    static func refusedV4(_ b: [UInt8]) -> String? {
        switch (b[0], b[1], b[2]) {
        case (0, _, _): return b == [0, 0, 0, 0] ? "the unspecified address (0.0.0.0)" : "a 'this network' address (0.0.0.0/8)"
        case (127, _, _): return "a loopback address (127.0.0.0/8)"
        case (10, _, _): return "a private address (10.0.0.0/8)"
        case (172, 16...31, _): return "a private address (172.16.0.0/12)"
        case (192, 168, _): return "a private address (192.168.0.0/16)"
        case (169, 254, _): return "a link-local address (169.254.0.0/16, where cloud metadata services answer)"
        case (100, 64...127, _): return "a shared (carrier-grade NAT) address (100.64.0.0/10)"
        case (192, 0, 0): return "an IETF protocol address (192.0.0.0/24)"
        case (224...255, _, _): return "a multicast, reserved or broadcast address (224.0.0.0/3)"
        default: return nil
        }
    }

    static func refusedV6(_ b: [UInt8]) -> String? {
        let zeros = { (count: Int) in b.prefix(count).allSatisfy { $0 == 0 } }
        if b.allSatisfy({ $0 == 0 }) { return "the unspecified address (::)" }
        if zeros(15), b[15] == 1 { return "the loopback address (::1)" }
        if zeros(10), b[10] == 0xff, b[11] == 0xff {
            return refusedV4(Array(b[12...])).map { "an IPv4-mapped form of \($0)" }
        }
        // Deprecated IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002::/16): the IPv4 address within counts.
        if zeros(12) { return refusedV4(Array(b[12...])).map { "an IPv4-compatible form of \($0)" } }
        if b.prefix(12) == [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0] {
            return refusedV4(Array(b[12...])).map { "a NAT64 form of \($0)" }
        }
        if b[0] == 0x20, b[1] == 0x02 { return refusedV4(Array(b[2..<6])).map { "a 6to4 form of \($0)" } }
        if b[0] == 0xfe, b[1] & 0xc0 == 0x80 { return "a link-local address (fe80::/10)" }
        if b[0] == 0xfe, b[1] & 0xc0 == 0xc0 { return "a site-local address (fec0::/10)" }
        if b[0] & 0xfe == 0xfc { return "a private (unique local) address (fc00::/7)" }
        if b[0] == 0xff { return "a multicast address (ff00::/8)" }
        return nil
    }
}
