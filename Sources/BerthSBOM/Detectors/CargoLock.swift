/// Rust crates from `Cargo.lock`: each `[[package]]` table's `name` and
/// `version` (a tiny TOML subset: basic strings on one line).
enum CargoLock {
    static func isCargoLock(_ path: String) -> Bool {
        path == "Cargo.lock" || path.hasSuffix("/Cargo.lock")
    }

    static func detect(_ files: ImageFiles, into sink: inout PackageSink) {
        for f in files.files(matching: isCargoLock) {
            for (name, version) in parse(f.content) {
                sink.add(DetectedPackage(ecosystem: "crates.io", name: name, version: version, location: f.path,
                                         purl: PackageURL.make(type: "cargo", name: name, version: version)))
            }
        }
    }

    static func parse(_ bytes: [UInt8]) -> [(String, String)] {
        var out: [(String, String)] = []
        var inPackage = false
        var name: String?
        var version: String?
        func flush() {
            if inPackage, let n = name, !n.isEmpty, let v = version, !v.isEmpty { out.append((n, v)) }
            name = nil
            version = nil
        }
        for raw in TextLines.lines(bytes) {
            let line = TextLines.trim(Substring(raw))
            if line.hasPrefix("[") {
                flush()
                inPackage = line == "[[package]]"
                continue
            }
            guard inPackage, let eq = line.firstIndex(of: "=") else { continue }
            let key = TextLines.trim(line[..<eq])
            guard key == "name" || key == "version", let value = basicString(line[line.index(after: eq)...]) else {
                continue
            }
            if key == "name" { name = value } else { version = value }
        }
        flush()
        return out
    }

    /// `  "text"` → text (handles \" and \\ escapes); nil if not a string.
    static func basicString(_ s: Substring) -> String? {
        let t = TextLines.trim(s)
        guard t.first == "\"" else { return nil }
        var out = ""
        var escaped = false
        for c in t.dropFirst() {
            if escaped { out.append(c); escaped = false; continue }
            if c == "\\" { escaped = true; continue }
            if c == "\"" { return out }
            out.append(c)
        }
        return nil
    }
}
