import Foundation

/// npm packages from installed module folders and lockfiles.
///
/// Only `node_modules/<name>/package.json` and
/// `node_modules/@scope/<name>/package.json` are read: package.json files
/// deeper inside a module (test fixtures, examples) are not packages.
/// `package-lock.json` (outside node_modules) contributes its v2/v3
/// `packages` map; lockfile v1 `dependencies` is not read.
enum NpmPackages {
    static func isModulePackageJSON(_ path: String) -> Bool {
        let c = path.split(separator: "/")
        guard c.count >= 3, c[c.count - 1] == "package.json" else { return false }
        let name = c[c.count - 2]
        if c[c.count - 3] == "node_modules" { return !name.hasPrefix("@") && !name.hasPrefix(".") }
        return c.count >= 4 && c[c.count - 3].hasPrefix("@") && c[c.count - 4] == "node_modules" && !name.hasPrefix(".")
    }

    static func isLockfile(_ path: String) -> Bool {
        let c = path.split(separator: "/")
        return c.last == "package-lock.json" && !c.contains("node_modules")
    }

    static func detect(_ files: ImageFiles, into sink: inout PackageSink) {
        var seen: Set<String> = []
        func add(_ name: String, _ version: String, _ loc: String, into sink: inout PackageSink) {
            guard !name.isEmpty, !version.isEmpty, name.utf8.count <= 214 + 64 else { return }
            guard seen.insert(name + "@" + version).inserted else { return }
            sink.add(DetectedPackage(ecosystem: "npm", name: name, version: version, location: loc,
                                     purl: purl(name, version)))
        }
        for f in files.files(matching: isModulePackageJSON) {
            guard let obj = json(f.content),
                  let name = obj["name"] as? String, let version = obj["version"] as? String else { continue }
            add(name, version, f.path, into: &sink)
        }
        for f in files.files(matching: isLockfile) {
            guard let obj = json(f.content), let packages = obj["packages"] as? [String: Any] else { continue }
            for key in packages.keys.sorted() {
                guard let range = key.range(of: "node_modules/", options: .backwards),
                      let entry = packages[key] as? [String: Any] else { continue }
                if entry["link"] as? Bool == true { continue }
                let name = (entry["name"] as? String) ?? String(key[range.upperBound...])
                guard let version = entry["version"] as? String else { continue }
                add(name, version, f.path, into: &sink)
            }
        }
    }

    static func json(_ bytes: [UInt8]) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
    }

    /// "@scope/name" → "pkg:npm/%40scope/name@v".
    static func purl(_ name: String, _ version: String) -> String {
        if name.hasPrefix("@"), let slash = name.firstIndex(of: "/") {
            return PackageURL.make(type: "npm", namespace: [String(name[..<slash])],
                                   name: String(name[name.index(after: slash)...]), version: version)
        }
        return PackageURL.make(type: "npm", name: name, version: version)
    }
}
