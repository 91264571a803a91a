import Foundation

/// Rust crates compiled into executables built with cargo-auditable, from
/// the dependency list it embeds (`RustAuditSniffer` found it while the
/// layer streamed): each package from crates.io that is built into the
/// binary (`kind` runtime). Build-time dependencies (build scripts, proc
/// macros) and local or git crates are left out: no advisory names them.
enum RustBinaries {
    struct Audit: Decodable {
        struct Package: Decodable {
            let name: String
            let version: String
            let source: String?
            let kind: String?
        }

        let packages: [Package]
    }

    static func detect(_ files: ImageFiles, into sink: inout PackageSink) {
        for (path, json) in files.rustAudits() {
            for (name, version) in parse(json) {
                sink.add(DetectedPackage(
                    ecosystem: "crates.io", name: name, version: version, location: path,
                    purl: PackageURL.make(type: "cargo", name: name, version: version)))
            }
        }
    }

    static func parse(_ json: [UInt8]) -> [(String, String)] {
        guard let audit = try? JSONDecoder().decode(Audit.self, from: Data(json)) else { return [] }
        return audit.packages.filter { $0.source == "crates.io" && ($0.kind ?? "runtime") == "runtime" && !$0.name.isEmpty && !$0.version.isEmpty }
            .map { ($0.name, $0.version) }
    }
}
