/// Debian/Ubuntu packages from dpkg's database.
///
/// `var/lib/dpkg/status` holds every package; distroless images instead
/// have one stanza per file in `var/lib/dpkg/status.d/` without a Status
/// field (such stanzas count as installed).
enum DpkgStatus {
    static let statusPath = "var/lib/dpkg/status"
    static let statusDir = "var/lib/dpkg/status.d/"

    static func isStatusDFile(_ path: String) -> Bool {
        guard path.hasPrefix(statusDir) else { return false }
        let name = path.dropFirst(statusDir.count)
        return !name.isEmpty && !name.contains("/") && !name.hasSuffix(".md5sums") && !name.hasPrefix(".")
    }

    static func detect(_ files: ImageFiles, distro: Distribution?, into sink: inout PackageSink) {
        var sources: [(String, [UInt8])] = []
        if let b = files.file(statusPath) { sources.append((statusPath, b)) }
        for f in files.files(matching: isStatusDFile) { sources.append((f.path, f.content)) }
        let ubuntu = distro?.id == "ubuntu"
        let eco = distro?.ecosystem.flatMap { $0.hasPrefix("Debian") || $0.hasPrefix("Ubuntu") ? $0 : nil }
            ?? (ubuntu ? "Ubuntu" : "Debian")
        let namespace = ubuntu ? "ubuntu" : "debian"
        let distroQ = distro.flatMap { d in d.versionID.map { d.id + "-" + $0 } } ?? ""
        for (loc, bytes) in sources {
            for stanza in parse(bytes) {
                sink.add(DetectedPackage(
                    ecosystem: eco, name: stanza.name, version: stanza.version,
                    source: stanza.source, sourceVersion: stanza.sourceVersion, location: loc,
                    purl: PackageURL.make(type: "deb", namespace: [namespace], name: stanza.name,
                                          version: stanza.version, qualifiers: [("distro", distroQ)])))
            }
        }
    }

    struct Stanza: Equatable {
        var name: String
        var version: String
        var source: String
        var sourceVersion: String
    }

    /// Installed stanzas. When `Source` is absent the source package is the
    /// binary package itself (Debian policy 5.6.1); without a version in
    /// parentheses the source version equals the binary version.
    static func parse(_ bytes: [UInt8]) -> [Stanza] {
        var out: [Stanza] = []
        for block in TextLines.blocks(bytes) {
            var f: [String: String] = [:]
            for line in block {
                guard let (k, v) = TextLines.header(line) else { continue }
                if f[k] == nil { f[k] = v }
            }
            if let status = f["Status"], status.split(separator: " ") != ["install", "ok", "installed"] { continue }
            guard let name = f["Package"], !name.isEmpty, let version = f["Version"], !version.isEmpty else { continue }
            var srcName = name
            var srcVersion = version
            if let src = f["Source"], !src.isEmpty {
                if let open = src.firstIndex(of: "(") {
                    srcName = TextLines.trim(src[..<open])
                    let rest = src[src.index(after: open)...]
                    let v = TextLines.trim(rest.prefix { $0 != ")" })
                    if !v.isEmpty { srcVersion = v }
                } else {
                    srcName = src
                }
                if srcName.isEmpty { srcName = name }
            }
            out.append(Stanza(name: name, version: version, source: srcName, sourceVersion: srcVersion))
        }
        return out
    }
}
