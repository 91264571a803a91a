/// An IPv4 or IPv6 address, parsed without the C library. IPv4-mapped IPv6
/// addresses (`::ffff:192.0.2.1`, what a dual-stack socket reports for an
/// IPv4 peer) are read as the IPv4 address they carry, so that one client
/// has one spelling.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// 4 bytes for IPv4, 16 for IPv6, network order.
    public let bytes: [UInt8]

    public var isIPv4: Bool { bytes.count == 4 }

    /// Parses `192.0.2.1`, `2001:db8::1`, `::ffff:192.0.2.1`; also, as
    /// `X-Forwarded-For` entries sometimes carry them, `192.0.2.1:8080`,
    /// `[2001:db8::1]` and `[2001:db8::1]:8080`. A zone (`fe80::1%eth0`) is
    /// dropped. Anything else is nil.
    public init?(_ text: some StringProtocol) {
        var text = Substring(text)
        if text.first == "[" {
            guard let close = text.firstIndex(of: "]") else { return nil }
            let rest = text[text.index(after: close)...]
            guard rest.isEmpty || (rest.first == ":" && rest.count > 1 && rest.dropFirst().allSatisfy(\.isASCIIDigit)) else { return nil }
            text = text[text.index(after: text.startIndex)..<close]
        } else if let colon = text.firstIndex(of: ":"), text.firstIndex(of: ".") != nil,
                  text[text.index(after: colon)...].firstIndex(of: ":") == nil
        {
            // `a.b.c.d:port`: one colon, after a dotted quad.
            guard text[text.index(after: colon)...].allSatisfy(\.isASCIIDigit) else { return nil }
            text = text[..<colon]
        }
        if let percent = text.firstIndex(of: "%") { text = text[..<percent] }
        if let v4 = Self.parseIPv4(text) {
            bytes = v4
        } else if let v6 = Self.parseIPv6(text) {
            bytes = v6[..<12].elementsEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]) ? Array(v6[12...]) : v6
        } else {
            return nil
        }
    }

    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// Dotted quad, or RFC 5952 (lower case, the longest run of two or more
    /// zero groups as `::`).
    public var description: String {
        if isIPv4 { return bytes.map(String.init).joined(separator: ".") }
        let groups = (0..<8).map { UInt16(bytes[2 * $0]) << 8 | UInt16(bytes[2 * $0 + 1]) }
        var best = (start: -1, count: 0)
        var index = 0
        while index < 8 {
            guard groups[index] == 0 else { index += 1; continue }
            var end = index
            while end < 8, groups[end] == 0 { end += 1 }
            if end - index > best.count { best = (index, end - index) }
            index = end
        }
        let hex = groups.map { String($0, radix: 16) }
        guard best.count >= 2 else { return hex.joined(separator: ":") }
        return hex[..<best.start].joined(separator: ":") + "::" + hex[(best.start + best.count)...].joined(separator: ":")
    }

    static func parseIPv4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var result: [UInt8] = []
        for part in parts {
            // No leading zeros: `010` is octal to some parsers, decimal to others.
            guard (1...3).contains(part.count), part.allSatisfy(\.isASCIIDigit), part.count == 1 || part.first != "0",
                  let value = UInt8(part)
            else { return nil }
            result.append(value)
        }
        return result
    }

    static func parseIPv6(_ text: Substring) -> [UInt8]? {
        guard text.count >= 2, text.count <= 45 else { return nil }
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var compressed = false
        let halves = text.split(separator: "::", omittingEmptySubsequences: false)
        guard halves.count <= 2 else { return nil }
        compressed = halves.count == 2
        func groups(_ part: Substring, allowIPv4: Bool) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (offset, piece) in pieces.enumerated() {
                if allowIPv4, offset == pieces.count - 1, piece.contains(".") {
                    guard let v4 = parseIPv4(piece) else { return nil }
                    result += [UInt16(v4[0]) << 8 | UInt16(v4[1]), UInt16(v4[2]) << 8 | UInt16(v4[3])]
                    continue
                }
                guard (1...4).contains(piece.count), piece.allSatisfy(\.isHexDigit), let value = UInt16(piece, radix: 16) else { return nil }
                result.append(value)
            }
            return result
        }
        if compressed {
            guard let first = groups(halves[0], allowIPv4: false), let second = groups(halves[1], allowIPv4: true) else { return nil }
            head = first
            tail = second
            // `::` stands for at least one zero group.
            guard head.count + tail.count <= 7 else { return nil }
        } else {
            guard let all = groups(halves[0], allowIPv4: true), all.count == 8 else { return nil }
            head = all
        }
        let words = head + [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
        return words.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] }
    }
}

/// A range of addresses: `10.0.0.0/8`, `2001:db8::/32`, or one address
/// (`192.0.2.1` is `192.0.2.1/32`). An IPv4 range matches IPv4 addresses
/// only, an IPv6 range IPv6 ones; an IPv4-mapped range (`::ffff:10.0.0.0/104`)
/// is read as the IPv4 range it maps, as mapped addresses are.
public struct CIDR: Sendable, Hashable, CustomStringConvertible {
    /// The range's first address (host bits cleared).
    public let network: IPAddress
    public let prefixLength: Int

    public init?(_ text: some StringProtocol) {
        let text = text.trimmingASCIIWhitespace()
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].contains("["), !parts[0].contains("%") else { return nil }
        // Not `IPAddress(_:)`: a range has no port.
        let bytes: [UInt8]
        if let v4 = IPAddress.parseIPv4(parts[0]) {
            bytes = v4
        } else if let v6 = IPAddress.parseIPv6(parts[0]) {
            bytes = v6
        } else {
            return nil
        }
        var address = IPAddress(bytes: bytes)!
        var bits = bytes.count * 8
        if parts.count == 2 {
            guard (1...3).contains(parts[1].count), parts[1].allSatisfy(\.isASCIIDigit), let length = Int(parts[1]), length <= bits else {
                return nil
            }
            bits = length
        }
        // An IPv4-mapped range is the IPv4 range it maps.
        if bytes.count == 16, bits >= 96, bytes[..<12].elementsEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]) {
            address = IPAddress(bytes: Array(bytes[12...]))!
            bits -= 96
        }
        network = IPAddress(bytes: Self.masked(address.bytes, bits))!
        prefixLength = bits
    }

    public func contains(_ address: IPAddress) -> Bool {
        address.bytes.count == network.bytes.count && Self.masked(address.bytes, prefixLength) == network.bytes
    }

    public var description: String { "\(network)/\(prefixLength)" }

    private static func masked(_ bytes: [UInt8], _ bits: Int) -> [UInt8] {
        bytes.enumerated().map { index, byte in
            let kept = min(8, max(0, bits - index * 8))
            return kept == 8 ? byte : byte & ~(UInt8(0xff) >> kept)
        }
    }
}

/// The proxies (load balancers) whose `X-Forwarded-For`, `X-Forwarded-Proto`
/// and `X-Forwarded-Host` are believed. None by default: a client talking to
/// Berth directly could otherwise claim any address.
public struct TrustedProxies: Sendable, Hashable {
    public var ranges: [CIDR]

    public init(_ ranges: [CIDR] = []) { self.ranges = ranges }

    public func contains(_ address: IPAddress) -> Bool { ranges.contains { $0.contains(address) } }

    /// The client behind a connection from `peer` (its socket address) that
    /// sent `forwardedFor` (the `X-Forwarded-For` values, in order; each may
    /// be a comma-separated list). From an untrusted peer, the peer. From a
    /// trusted one, the list is walked from the right (each proxy appends
    /// the address it was connected from), past the addresses of trusted
    /// proxies, to the first that is not one: the client. An entry that does
    /// not parse stops the walk at the last trusted hop, as does the list's
    /// end. `viaTrustedProxy` tells whether the peer is a trusted proxy.
    public func client(peer: IPAddress, forwardedFor: [String]) -> (address: IPAddress, viaTrustedProxy: Bool) {
        guard contains(peer) else { return (peer, false) }
        let entries = forwardedFor.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
        var hop = peer
        for entry in entries.reversed() {
            guard let address = IPAddress(entry.trimmingASCIIWhitespace()) else { break }
            guard contains(address) else { return (address, true) }
            hop = address
        }
        return (hop, true)
    }

    /// A comma- (or space-) separated list of ranges; empty for none.
    public init(parsing text: String) throws(TrustedProxiesError) {
        var ranges: [CIDR] = []
        for item in text.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" || $0 == "\n" }) where !item.isEmpty {
            guard let range = CIDR(item) else { throw TrustedProxiesError(item: String(item.prefix(64))) }
            ranges.append(range)
        }
        self.init(ranges)
    }
}

public struct TrustedProxiesError: Error, CustomStringConvertible {
    public let item: String
    public var description: String { "'\(item)' is not an address range such as 10.0.0.0/8, 192.0.2.10 or fd00::/8" }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

extension StringProtocol {
    fileprivate func trimmingASCIIWhitespace() -> Substring {
        let text = Substring(self)
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let start = text.firstIndex(where: { !isSpace($0) }), let end = text.lastIndex(where: { !isSpace($0) }) else { return "" }
        return text[start...end]
    }
}
