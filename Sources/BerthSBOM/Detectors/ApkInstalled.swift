/// Alpine packages from `lib/apk/db/installed`: blank-line separated
/// records of single-letter fields (`P:` name, `V:` version, `o:` origin).
enum ApkInstalled {
    static let path = "lib/apk/db/installed"

    static func detect(_ files: ImageFiles, distro: Distribution?, into sink: inout PackageSink) {
        guard let bytes = files.file(path) else { return }
        let eco = distro?.ecosystem.flatMap { $0.hasPrefix("Alpine") ? $0 : nil } ?? "Alpine"
        let distroQ = distro?.id == "alpine" ? (OSRelease.majorMinor(distro?.versionID) ?? "") : ""
        for r in parse(bytes) {
            sink.add(DetectedPackage(
                ecosystem: eco, name: r.name, version: r.version, source: r.origin,
                sourceVersion: r.origin == nil ? nil : r.version, location: path,
                purl: PackageURL.make(type: "apk", namespace: ["alpine"], name: r.name, version: r.version,
                                      qualifiers: [("distro", distroQ)])))
        }
    }

    static func parse(_ bytes: [UInt8]) -> [(name: String, version: String, origin: String?)] {
        var out: [(name: String, version: String, origin: String?)] = []
        for block in TextLines.blocks(bytes) {
            var name: String?
            var version: String?
            var origin: String?
            for line in block {
                let u = Array(line.utf8)
                guard u.count >= 2, u[1] == UInt8(ascii: ":") else { continue }
                let value = String(decoding: u[2...], as: UTF8.self)
                switch u[0] {
                case UInt8(ascii: "P"): if name == nil { name = value }
                case UInt8(ascii: "V"): if version == nil { version = value }
                case UInt8(ascii: "o"): if origin == nil { origin = value }
                default: break
                }
            }
            if let name, !name.isEmpty, let version, !version.isEmpty {
                out.append((name, version, origin.flatMap { $0.isEmpty ? nil : $0 }))
            }
        }
        return out
    }
}
