import BerthMetadata
import Foundation

extension Finding {
    /// The row its artifact's report keeps it as.
    var stored: StoredFinding {
        StoredFinding(ecosystem: ecosystem, package: package, version: installedVersion, id: id, scanner: scanner, severity: severity, json: json)
    }

    /// The finding as JSON, written directly: a scan stores hundreds, and
    /// Foundation's encoder, called once for each, was most of a scan's
    /// time after matching. The same text `JSONEncoder` writes with sorted
    /// keys and unescaped slashes; absent values are left out.
    var json: String {
        var fields: [(String, String)] = [("aliases", "[" + aliases.map(Self.quoted).joined(separator: ",") + "]")]
        if let cvssScore, cvssScore.isFinite { fields.append(("cvss_score", "\(cvssScore)")) }
        if let cvssVector { fields.append(("cvss_vector", Self.quoted(cvssVector))) }
        fields.append(("ecosystem", Self.quoted(ecosystem)))
        if let fixedVersion { fields.append(("fixed_version", Self.quoted(fixedVersion))) }
        fields.append(("id", Self.quoted(id)))
        fields.append(("installed_version", Self.quoted(installedVersion)))
        fields.append(("package", Self.quoted(package)))
        if let scanner { fields.append(("scanner", Self.quoted(scanner))) }
        fields.append(("severity", Self.quoted(severity)))
        if let sourcePackage { fields.append(("source_package", Self.quoted(sourcePackage))) }
        if let summary { fields.append(("summary", Self.quoted(summary))) }
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }

    /// A JSON string (RFC 8259 §7): quotation mark, reverse solidus and control characters escaped.
    static func quoted(_ text: String) -> String {
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20: out += String(format: "\\u%04x", c.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
