/// Line splitting for untrusted text files.
///
/// Splits on "\n", strips a trailing "\r", decodes UTF-8 lossily and skips
/// lines longer than 64 KiB, so a garbage file costs at most one pass and
/// never produces huge strings.
enum TextLines {
    static func lines(_ bytes: [UInt8]) -> [String] {
        var out: [String] = []
        var start = 0
        let n = bytes.count
        while start <= n {
            var end = start
            while end < n, bytes[end] != 0x0A { end += 1 }
            var stop = end
            if stop > start, bytes[stop - 1] == 0x0D { stop -= 1 }
            if stop - start <= Limits.maxLine {
                out.append(String(decoding: bytes[start..<stop], as: UTF8.self))
            }
            if end >= n { break }
            start = end + 1
        }
        return out
    }

    /// Splits lines into blank-line separated blocks (dpkg stanzas, apk records).
    static func blocks(_ bytes: [UInt8]) -> [[String]] {
        var out: [[String]] = []
        var cur: [String] = []
        for line in lines(bytes) {
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) {
                if !cur.isEmpty { out.append(cur); cur = [] }
            } else {
                cur.append(line)
            }
        }
        if !cur.isEmpty { out.append(cur) }
        return out
    }

    static func trim(_ s: Substring) -> String {
        var t = s
        while let f = t.first, f == " " || f == "\t" { t = t.dropFirst() }
        while let l = t.last, l == " " || l == "\t" { t = t.dropLast() }
        return String(t)
    }

    /// "Key: value" header line; nil for continuation or malformed lines.
    static func header(_ line: String) -> (key: String, value: String)? {
        guard let f = line.first, f != " ", f != "\t", let colon = line.firstIndex(of: ":") else { return nil }
        return (String(line[..<colon]), trim(line[line.index(after: colon)...]))
    }
}
