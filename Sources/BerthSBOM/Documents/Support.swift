import Foundation

enum Support {
    // MARK: Ordering / bounding

    /// Byte-wise (not Unicode-equivalence) string ordering, so the order never
    /// depends on the input order.
    static func less(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    static func byteEqual(_ a: String, _ b: String) -> Bool {
        a.utf8.elementsEqual(b.utf8)
    }

    /// Packages sorted by purl (then by every other field, byte-wise) and cut to `limit`.
    static func prepare(_ packages: [DetectedPackage], limit: Int) -> (packages: [DetectedPackage], total: Int, truncated: Bool) {
        func key(_ p: DetectedPackage) -> [String] {
            [p.purl, p.name, p.version, p.ecosystem, p.location, p.source ?? "", p.sourceVersion ?? "",
             p.source == nil ? "0" : "1", p.sourceVersion == nil ? "0" : "1"]
        }
        let sorted = packages.sorted { a, b in
            let ka = key(a), kb = key(b)
            for (x, y) in zip(ka, kb) where !byteEqual(x, y) { return less(x, y) }
            return false
        }
        let cap = max(0, limit)
        if sorted.count > cap { return (Array(sorted.prefix(cap)), sorted.count, true) }
        return (sorted, sorted.count, false)
    }

    // MARK: Time

    /// RFC 3339 / ISO 8601 UTC timestamp, whole seconds, `Z` suffix (valid for both
    /// CycloneDX `date-time` and the SPDX pattern). Non-finite or out-of-range dates are clamped.
    static func timestamp(_ date: Date) -> String {
        var t = date.timeIntervalSince1970
        if !t.isFinite { t = 0 }
        // 0000-01-01T00:00:00Z ... 9999-12-31T23:59:59Z
        t = min(max(t, -62_167_219_200), 253_402_300_799)
        let secs = Int64(t.rounded(.down))
        var days = secs / 86_400
        var rem = secs % 86_400
        if rem < 0 { rem += 86_400; days -= 1 }
        // civil-from-days (H. Hinnant)
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        var y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        if m <= 2 { y += 1 }
        func pad(_ v: Int64, _ n: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, n - s.count)) + s
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(rem / 3600, 2)):\(pad(rem % 3600 / 60, 2)):\(pad(rem % 60, 2))Z"
    }

    // MARK: Percent-encoding

    private static func isUnreserved(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    private static let hexUpper: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// Percent-encodes every byte except RFC 3986 unreserved ones and `extra`.
    static func percentEncode(_ s: String, keeping extra: Set<UInt8> = []) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        for b in s.utf8 {
            if isUnreserved(b) || extra.contains(b) {
                out.append(b)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hexUpper[Int(b >> 4)])
                out.append(hexUpper[Int(b & 0xF)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Percent-encodes one URI path segment; dot segments are encoded too so that
    /// no URI normalisation can merge two namespaces.
    static func pathSegment(_ s: String) -> String {
        if s == "." { return "%2E" }
        if s == ".." { return "%2E%2E" }
        return percentEncode(s)
    }

    private static func isHex(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66)
    }

    /// Returns a purl that is safe to publish (`pkg:` scheme, `type/name` present,
    /// only printable ASCII; anything else percent-encoded), or nil when the input
    /// is not recognisably a purl.
    static func normalizedPURL(_ raw: String) -> String? {
        let bytes = Array(raw.utf8)
        guard bytes.count > 4, bytes.count <= 64 * 1024 else { return nil }
        let scheme = String(decoding: bytes[0..<4], as: UTF8.self).lowercased()
        guard scheme == "pkg:" else { return nil }
        var rest = Array(bytes[4...])
        while rest.first == UInt8(ascii: "/") { rest.removeFirst() }  // "pkg://x/y" form
        guard let slash = rest.firstIndex(of: UInt8(ascii: "/")), slash > 0, slash < rest.count - 1 else { return nil }
        let allowed = Set(Array("/@?=&#+:!$'()*,;".utf8))
        var out: [UInt8] = Array("pkg:".utf8)
        var i = 0
        while i < rest.count {
            let b = rest[i]
            if b == UInt8(ascii: "%"), i + 2 < rest.count, isHex(rest[i + 1]), isHex(rest[i + 2]) {
                out.append(contentsOf: rest[i...(i + 2)])
                i += 3
                continue
            }
            if isUnreserved(b) || allowed.contains(b) {
                out.append(b)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hexUpper[Int(b >> 4)])
                out.append(hexUpper[Int(b & 0xF)])
            }
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `pkg:oci/<name>@<digest>?arch=<arch>&repository_url=<repository>` for the image.
    static func imagePURL(_ subject: ImageSubject) -> String {
        let components = subject.repository.split(separator: "/", omittingEmptySubsequences: true)
        let last = components.last.map { String($0).lowercased() } ?? ""
        let name = last.isEmpty ? "unknown" : last
        var purl = "pkg:oci/\(percentEncode(name))"
        if !subject.digest.isEmpty { purl += "@\(percentEncode(subject.digest))" }
        var qualifiers: [(String, String)] = []
        if let platform = subject.platform {
            let parts = platform.split(separator: "/", omittingEmptySubsequences: false)
            if parts.count >= 2, !parts[1].isEmpty { qualifiers.append(("arch", String(parts[1]))) }
        }
        if !subject.repository.isEmpty { qualifiers.append(("repository_url", subject.repository)) }
        if !qualifiers.isEmpty {
            purl += "?" + qualifiers.map { "\($0.0)=\(percentEncode($0.1, keeping: [UInt8(ascii: "/")]))" }.joined(separator: "&")
        }
        return purl
    }

    /// SPDX element id fragment: only letters, digits, '.', '-'.
    static func spdxIDFragment(_ s: String, maxLength: Int = 64) -> String {
        var out = ""
        var lastDash = false
        for scalar in s.unicodeScalars {
            if out.utf8.count >= maxLength { break }
            if scalar.isASCII, CharacterSet.alphanumerics.contains(scalar) || scalar == "." || scalar == "-" {
                out.unicodeScalars.append(scalar)
                lastDash = scalar == "-"
            } else if !lastDash {
                out.append("-")
                lastDash = true
            }
        }
        while out.hasSuffix("-") { out.removeLast() }
        while out.hasPrefix("-") { out.removeFirst() }
        return out
    }

    /// True for `sha256:` followed by 64 hex digits.
    static func sha256Hex(of digest: String) -> String? {
        let prefix = "sha256:"
        guard digest.hasPrefix(prefix) else { return nil }
        let hex = digest.dropFirst(prefix.count)
        guard hex.utf8.count == 64, hex.utf8.allSatisfy(isHex) else { return nil }
        return hex.lowercased()
    }

    // MARK: Deterministic UUID (RFC 4122 version 5, SHA-1)

    /// URL namespace from RFC 4122 appendix C.
    private static let urlNamespace: [UInt8] = [0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1,
                                                0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8]

    static func uuidV5(name: String) -> String {
        var hash = sha1(urlNamespace + Array(name.utf8))
        hash[6] = (hash[6] & 0x0F) | 0x50
        hash[8] = (hash[8] & 0x3F) | 0x80
        let hex = hash.prefix(16).map { b -> String in
            let s = String(b, radix: 16)
            return s.count == 1 ? "0" + s : s
        }
        return [hex[0..<4], hex[4..<6], hex[6..<8], hex[8..<10], hex[10..<16]].map { $0.joined() }.joined(separator: "-")
    }

    static func sha1(_ message: [UInt8]) -> [UInt8] {
        var h: [UInt32] = [0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0]
        var data = message
        let bitLength = UInt64(message.count) &* 8
        data.append(0x80)
        while data.count % 64 != 56 { data.append(0) }
        for i in (0..<8).reversed() { data.append(UInt8(truncatingIfNeeded: bitLength >> (UInt64(i) * 8))) }
        var w = [UInt32](repeating: 0, count: 80)
        for chunk in stride(from: 0, to: data.count, by: 64) {
            for i in 0..<16 {
                let j = chunk + i * 4
                w[i] = UInt32(data[j]) << 24 | UInt32(data[j + 1]) << 16 | UInt32(data[j + 2]) << 8 | UInt32(data[j + 3])
            }
            for i in 16..<80 {
                let x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]
                w[i] = (x << 1) | (x >> 31)
            }
            var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4]
            for i in 0..<80 {
                let f: UInt32, k: UInt32
                switch i {
                case 0..<20: f = (b & c) | (~b & d); k = 0x5A82_7999
                case 20..<40: f = b ^ c ^ d; k = 0x6ED9_EBA1
                case 40..<60: f = (b & c) | (b & d) | (c & d); k = 0x8F1B_BCDC
                default: f = b ^ c ^ d; k = 0xCA62_C1D6
                }
                let temp = ((a << 5) | (a >> 27)) &+ f &+ e &+ k &+ w[i]
                e = d; d = c; c = (b << 30) | (b >> 2); b = a; a = temp
            }
            h[0] = h[0] &+ a; h[1] = h[1] &+ b; h[2] = h[2] &+ c; h[3] = h[3] &+ d; h[4] = h[4] &+ e
        }
        var out: [UInt8] = []
        for v in h { out += [UInt8(v >> 24), UInt8(truncatingIfNeeded: v >> 16), UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)] }
        return out
    }
}
