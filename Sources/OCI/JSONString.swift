/// JSON text written by hand where an encoder is too slow or too heavy (log
/// lines, the findings a scan stores by the hundred).
public enum JSONString {
    /// A JSON string literal (RFC 8259 §7): quotation mark, reverse solidus
    /// and control characters escaped, as `JSONEncoder` escapes them; `/`
    /// and every other character as it is.
    public static func quoted(_ text: String) -> String {
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
