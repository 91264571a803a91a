/// Go modules compiled into executables, from their embedded build
/// information (`GoBuildInfoSniffer` found it while the layer streamed):
/// the main module, each `dep` (or what its `=>` replacement names), and
/// the standard library as `stdlib` at the toolchain's version, as OSV's
/// Go ecosystem names it.
enum GoBinaries {
    static func detect(_ files: ImageFiles, into sink: inout PackageSink) {
        for (path, info) in files.goBuildInfos() {
            guard case .done(let goVersion, let modules) = GoBuildInfoSniffer.parse(info) else { continue }
            for module in parse(goVersion: goVersion, modules: modules) {
                // pkg:golang/golang.org/x/text@v0.3.0: the path's last element is the name.
                var components = module.path.split(separator: "/").map(String.init)
                let name = components.popLast() ?? module.path
                sink.add(DetectedPackage(
                    ecosystem: "Go", name: module.path, version: module.version, location: path,
                    purl: PackageURL.make(type: "golang", namespace: components, name: name, version: module.version)))
            }
        }
    }

    /// The modules of a build: `mod` and `dep` lines (tab-separated path,
    /// version, sum), a `=>` line replacing the module before it. Modules
    /// without a version (`(devel)`, a local replacement) are left out:
    /// nothing can match them.
    static func parse(goVersion: String, modules: String) -> [(path: String, version: String)] {
        var out: [(path: String, version: String)] = []
        if goVersion.hasPrefix("go"), goVersion.count > 2 {
            // "go1.22.1 X:boringcrypto" → 1.22.1
            let version = goVersion.dropFirst(2).prefix { $0 != " " }
            out.append(("stdlib", String(version)))
        }
        var last: (path: String, version: String)?
        func flush() {
            if let m = last, !m.path.isEmpty, m.version.hasPrefix("v") { out.append(m) }
            last = nil
        }
        for line in modules.split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 2 else { continue }
            switch fields[0] {
            case "mod", "dep":
                flush()
                last = (fields[1], fields.count > 2 ? fields[2] : "")
            case "=>":
                if last != nil { last = (fields[1], fields.count > 2 ? fields[2] : "") }
            default:
                continue
            }
        }
        flush()
        return out
    }
}
