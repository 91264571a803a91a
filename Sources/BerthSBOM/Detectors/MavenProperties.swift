/// Java artifacts from `META-INF/maven/<group>/<artifact>/pom.properties`
/// files present directly in the layers (unpacked jars, exploded wars);
/// those inside archives are `JavaArchives`'.
enum MavenProperties {
    static func isPomProperties(_ path: String) -> Bool {
        let c = path.split(separator: "/")
        return c.count >= 5 && c[c.count - 1] == "pom.properties" && c[c.count - 4] == "maven"
            && c[c.count - 5] == "META-INF"
    }

    static func detect(_ files: ImageFiles, into sink: inout PackageSink) {
        for f in files.files(matching: isPomProperties) {
            let p = parse(f.content)
            guard let g = p["groupId"], !g.isEmpty, let a = p["artifactId"], !a.isEmpty,
                  let v = p["version"], !v.isEmpty else { continue }
            sink.add(DetectedPackage(ecosystem: "Maven", name: g + ":" + a, version: v, location: f.path,
                                     purl: PackageURL.make(type: "maven", namespace: [g], name: a, version: v)))
        }
    }

    /// Java properties subset: `key=value` or `key: value`, `#`/`!` comments.
    static func parse(_ bytes: [UInt8]) -> [String: String] {
        var out: [String: String] = [:]
        for raw in TextLines.lines(bytes) {
            let line = TextLines.trim(Substring(raw))
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix("!") { continue }
            guard let sep = line.firstIndex(where: { $0 == "=" || $0 == ":" }) else { continue }
            out[TextLines.trim(line[..<sep])] = TextLines.trim(line[line.index(after: sep)...])
        }
        return out
    }
}
