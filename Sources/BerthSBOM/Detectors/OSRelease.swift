/// os-release parsing and the OSV ecosystem of the distribution.
///
/// OSV names OS ecosystems with a release suffix ("Debian:12",
/// "Alpine:v3.20"); OS package advisories only match with the right one.
enum OSRelease {
    static let paths = ["etc/os-release", "usr/lib/os-release"]

    static func detect(_ files: ImageFiles) -> Distribution? {
        for p in paths {
            if let bytes = files.file(p), let d = parse(bytes) { return d }
        }
        return nil
    }

    static func parse(_ bytes: [UInt8]) -> Distribution? {
        var fields: [String: String] = [:]
        for line in TextLines.lines(bytes) {
            let t = TextLines.trim(Substring(line))
            if t.isEmpty || t.hasPrefix("#") { continue }
            guard let eq = t.firstIndex(of: "=") else { continue }
            let key = String(t[..<eq])
            fields[key] = unquote(t[t.index(after: eq)...])
        }
        guard let id = fields["ID"]?.lowercased(), !id.isEmpty else { return nil }
        let version = fields["VERSION_ID"].flatMap { $0.isEmpty ? nil : $0 }
        return Distribution(id: id, versionID: version, ecosystem: ecosystem(id: id, versionID: version))
    }

    /// Shell-style value: "..." (with \ escapes), '...' or bare.
    static func unquote(_ v: Substring) -> String {
        guard let q = v.first, q == "\"" || q == "'" else { return String(v) }
        var out = ""
        var escaped = false
        for c in v.dropFirst() {
            if escaped { out.append(c); escaped = false; continue }
            if c == "\\" && q == "\"" { escaped = true; continue }
            if c == q { break }
            out.append(c)
        }
        return out
    }

    static func ecosystem(id: String, versionID: String?) -> String? {
        let parts = (versionID ?? "").split(separator: ".").map { String($0.prefix { $0.isNumber }) }
        let major = parts.first.flatMap { $0.isEmpty ? nil : $0 }
        switch id {
        case "debian": return major.map { "Debian:" + $0 }
        case "ubuntu": return versionID.map { "Ubuntu:" + $0 }
        case "alpine":
            guard let major, parts.count >= 2, !parts[1].isEmpty else { return nil }
            return "Alpine:v\(major).\(parts[1])"
        case "rhel": return "Red Hat"
        case "rocky": return major.map { "Rocky Linux:" + $0 }
        case "almalinux": return major.map { "AlmaLinux:" + $0 }
        default: return nil
        }
    }

    /// "3.20" for Alpine's purl distro qualifier.
    static func majorMinor(_ v: String?) -> String? {
        guard let v else { return nil }
        let parts = v.split(separator: ".")
        guard parts.count >= 2 else { return v }
        return parts[0] + "." + parts[1]
    }
}
