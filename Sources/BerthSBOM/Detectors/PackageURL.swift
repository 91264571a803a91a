/// Package URL construction (https://github.com/package-url/purl-spec).
///
/// Components are percent-encoded: everything except the RFC 3986
/// unreserved characters and ':' (which the spec says must not be encoded)
/// becomes %XX, so "+" in Debian versions is "%2B" and "@" of npm scopes "%40".
enum PackageURL {
    static func encode(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: ":"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                let hex = Array("0123456789ABCDEF")
                out.append("%")
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0x0F)])
            }
        }
        return out
    }

    static func make(type: String, namespace: [String] = [], name: String, version: String,
                     qualifiers: [(String, String)] = []) -> String {
        var s = "pkg:" + type + "/"
        for ns in namespace where !ns.isEmpty { s += encode(ns) + "/" }
        s += encode(name)
        if !version.isEmpty { s += "@" + encode(version) }
        let q = qualifiers.filter { !$0.1.isEmpty }.sorted { $0.0 < $1.0 }
        if !q.isEmpty { s += "?" + q.map { $0.0 + "=" + encode($0.1) }.joined(separator: "&") }
        return s
    }
}
