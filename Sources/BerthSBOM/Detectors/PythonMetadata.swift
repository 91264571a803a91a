/// Installed Python distributions: `*.dist-info/METADATA` under
/// site-packages/dist-packages and `*.egg-info/PKG-INFO` (anywhere), plus
/// single-file `*.egg-info` directly in site-packages/dist-packages.
/// The headers (`Name:`, `Version:`) end at the first blank line.
enum PythonMetadata {
    static func isSitePackages(_ s: Substring) -> Bool { s == "site-packages" || s == "dist-packages" }

    static func isMetadataPath(_ path: String) -> Bool {
        let c = path.split(separator: "/")
        guard let last = c.last else { return false }
        if c.count >= 3, last == "METADATA", c[c.count - 2].hasSuffix(".dist-info"), isSitePackages(c[c.count - 3]) {
            return true
        }
        if c.count >= 2, last == "PKG-INFO", c[c.count - 2].hasSuffix(".egg-info") { return true }
        if c.count >= 2, last.hasSuffix(".egg-info"), isSitePackages(c[c.count - 2]) { return true }
        return false
    }

    static func detect(_ files: ImageFiles, into sink: inout PackageSink) {
        for f in files.files(matching: isMetadataPath) {
            guard let (name, version) = parse(f.content) else { continue }
            sink.add(DetectedPackage(
                ecosystem: "PyPI", name: name, version: version, location: f.path,
                purl: PackageURL.make(type: "pypi", name: normalize(name), version: version)))
        }
    }

    static func parse(_ bytes: [UInt8]) -> (String, String)? {
        var name: String?
        var version: String?
        for line in TextLines.lines(bytes) {
            if line.isEmpty { break }
            guard let (k, v) = TextLines.header(line) else { continue }
            switch k.lowercased() {
            case "name": if name == nil { name = v }
            case "version": if version == nil { version = v }
            default: break
            }
        }
        guard let name, !name.isEmpty, let version, !version.isEmpty else { return nil }
        return (name, version)
    }

    /// PEP 503: lowercase, runs of "-", "_", "." become one "-".
    static func normalize(_ name: String) -> String {
        var out = ""
        var inRun = false
        for c in name.lowercased() {
            if c == "-" || c == "_" || c == "." {
                if !inRun { out.append("-") }
                inRun = true
            } else {
                out.append(c)
                inRun = false
            }
        }
        return out
    }
}
