/// rpm packages from the SQLite rpmdb (`var/lib/rpm/rpmdb.sqlite`, RHEL 9,
/// Rocky, Alma, Fedora): each row of its `Packages` table is a package's
/// header blob. The Berkeley DB (`Packages`) and NDB (`Packages.db`) formats
/// of older releases are not read: `unsupported` names them.
enum RpmDatabase {
    static let path = "var/lib/rpm/rpmdb.sqlite"
    /// Databases this detector cannot read, reported rather than ignored.
    static let unsupportedPaths = ["var/lib/rpm/Packages", "var/lib/rpm/Packages.db", "usr/lib/sysimage/rpm/Packages.db"]

    struct Header: Equatable {
        var name: String
        var version: String
        var release: String
        var epoch: Int?
        var arch: String?
        var sourceRPM: String?

        /// `[epoch:]version-release`, the EVR OSV's rpm ecosystems compare.
        var evr: String { (epoch.map { "\($0):" } ?? "") + version + "-" + release }

        /// `openssl` from `openssl-3.0.7-24.el9.src.rpm`.
        var sourceName: String? {
            guard var s = sourceRPM, s.hasSuffix(".rpm") else { return nil }
            s.removeLast(4)
            if let dot = s.lastIndex(of: ".") { s = String(s[..<dot]) } // .src / .nosrc
            let parts = s.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count >= 3 else { return nil }
            let name = parts.dropLast(2).joined(separator: "-")
            return name.isEmpty ? nil : name
        }
    }

    static func detect(_ files: ImageFiles, distro: Distribution?, into sink: inout PackageSink) {
        guard let bytes = files.file(path), let database = SQLiteFile(bytes) else { return }
        // Without os-release, Red Hat's; a distribution OSV has no rpm advisories for (Fedora) matches nothing.
        let ecosystem = distro?.ecosystem ?? distro?.id ?? "Red Hat"
        let namespace = distro?.id ?? "redhat"
        for row in database.rows(ofTable: "Packages", limit: Limits.maxPackages) {
            guard let blob = row.lazy.compactMap({ if case .blob(let b) = $0 { b } else { nil } }).first,
                  let h = parse(blob), h.name != "gpg-pubkey"
            else { continue }
            var qualifiers: [(String, String)] = [("arch", h.arch ?? "")]
            if let e = h.epoch { qualifiers.append(("epoch", String(e))) }
            if let v = distro?.versionID { qualifiers.append(("distro", "\(namespace)-\(v)")) }
            let source = h.sourceName
            sink.add(DetectedPackage(
                ecosystem: ecosystem, name: h.name, version: h.evr, source: source == h.name ? nil : source,
                sourceVersion: source == nil || source == h.name ? nil : h.evr, location: path,
                purl: PackageURL.make(type: "rpm", namespace: [namespace], name: h.name,
                                      version: h.version + "-" + h.release, qualifiers: qualifiers)))
        }
    }

    static let tagName: UInt32 = 1000, tagVersion: UInt32 = 1001, tagRelease: UInt32 = 1002, tagEpoch: UInt32 = 1003
    static let tagArch: UInt32 = 1022, tagSourceRPM: UInt32 = 1044

    /// A header blob: entry count and data size (big-endian 32-bit), that
    /// many 16-byte index entries (tag, type, offset, count), then the data.
    static func parse(_ b: [UInt8]) -> Header? {
        guard b.count >= 8 else { return nil }
        let entries = Int(u32(b, 0)), dataSize = Int(u32(b, 4))
        guard entries <= 100_000, dataSize <= 64 << 20 else { return nil }
        let data = 8 + entries * 16
        guard data + dataSize <= b.count else { return nil }
        var strings: [UInt32: String] = [:]
        var epoch: Int?
        for i in 0..<entries {
            let e = 8 + i * 16
            let tag = u32(b, e), type = u32(b, e + 4), offset = Int(u32(b, e + 8))
            guard offset < dataSize else { continue }
            let at = data + offset
            switch (tag, type) {
            case (tagEpoch, 4): // INT32
                if at + 4 <= data + dataSize { epoch = Int(u32(b, at)) }
            case (tagName, 6), (tagVersion, 6), (tagRelease, 6), (tagArch, 6), (tagSourceRPM, 6): // STRING
                guard let end = b[at..<(data + dataSize)].firstIndex(of: 0) else { continue }
                strings[tag] = String(decoding: b[at..<end], as: UTF8.self)
            default:
                continue
            }
        }
        guard let name = strings[tagName], !name.isEmpty, let version = strings[tagVersion], !version.isEmpty,
              let release = strings[tagRelease]
        else { return nil }
        return Header(name: name, version: version, release: release, epoch: epoch, arch: strings[tagArch], sourceRPM: strings[tagSourceRPM])
    }

    private static func u32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
    }
}
