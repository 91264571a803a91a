import BerthMetadata
import OCI

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
        var fields: [(String, String)] = [("aliases", "[" + aliases.map(JSONString.quoted).joined(separator: ",") + "]")]
        if let cvssScore, cvssScore.isFinite { fields.append(("cvss_score", "\(cvssScore)")) }
        if let cvssVector { fields.append(("cvss_vector", JSONString.quoted(cvssVector))) }
        fields.append(("ecosystem", JSONString.quoted(ecosystem)))
        if let fixedVersion { fields.append(("fixed_version", JSONString.quoted(fixedVersion))) }
        fields.append(("id", JSONString.quoted(id)))
        fields.append(("installed_version", JSONString.quoted(installedVersion)))
        fields.append(("package", JSONString.quoted(package)))
        if let scanner { fields.append(("scanner", JSONString.quoted(scanner))) }
        fields.append(("severity", JSONString.quoted(severity)))
        if let sourcePackage { fields.append(("source_package", JSONString.quoted(sourcePackage))) }
        if let summary { fields.append(("summary", JSONString.quoted(summary))) }
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }
}
