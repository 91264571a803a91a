/// The merged file tree of an image, rebuilt layer by layer.
///
/// To keep memory bounded it does NOT record every path: it keeps only
/// captured regular files (those `TarStream` returned content for, i.e. the
/// paths the capture predicate accepted) and every symlink (any path
/// component may be one, so all are needed to resolve paths). Directories,
/// uncaptured files and other entries are only used to hide lower-layer
/// entries they replace. Captured bytes are additionally capped by
/// `maxTotalBytes`; files beyond it are dropped (counted in `droppedFiles`).
///
/// OCI whiteouts (`.wh.<name>`, `.wh..wh..opq`) only affect lower layers, so
/// they are collected during a layer and applied in one pass by `endLayer()`;
/// call it after each layer before reading files.
public struct ImageFiles: Sendable {
    enum Node: Sendable {
        case file([UInt8])
        case symlink(String)
        /// An executable kept only as its Go build information.
        case goBuildInfo([UInt8])
        /// An executable kept only as the dependency list cargo-auditable embeds (JSON).
        case rustAudit([UInt8])
    }

    struct Stored: Sendable {
        var layer: Int
        var node: Node
    }

    private var nodes: [String: Stored] = [:]
    private var layer = 0
    /// Paths removed together with their descendants (from `.wh.<name>`).
    private var deleted: Set<String> = []
    /// Paths whose lower-layer descendants are removed (opaque dirs, or a
    /// non-directory that replaced a directory).
    private var hiddenBelow: Set<String> = []
    /// Ancestor directories of nodes from lower layers. Whiteouts and
    /// replacements are only recorded when they can hide something, so the
    /// sets above stay bounded by what is kept, not by the layer's size.
    private var lowerDirs: Set<String> = []
    private var totalBytes = 0
    public let maxTotalBytes: Int
    public private(set) var droppedFiles = 0

    public init(maxTotalBytes: Int = 1 << 30) {
        self.maxTotalBytes = maxTotalBytes
    }

    /// Adds one entry of the current layer.
    public mutating func apply(_ entry: TarEntry) {
        let path = entry.path
        guard !path.isEmpty else { return }
        let (parent, base) = Self.split(path)
        if base.hasPrefix(".wh.") {
            if base == ".wh..wh..opq" {
                if lowerDirs.contains(parent) { hiddenBelow.insert(parent) }
            } else {
                let name = String(base.dropFirst(4))
                let target = parent.isEmpty ? name : parent + "/" + name
                if !name.isEmpty, lowerDirs.contains(target) || (nodes[target].map { $0.layer < layer } ?? false) {
                    deleted.insert(target)
                }
            }
            return
        }
        remove(path)
        if entry.kind != .directory, lowerDirs.contains(path) { hiddenBelow.insert(path) }
        switch entry.kind {
        case .file:
            if let content = entry.content {
                store(path, .file(content), size: content.count)
            } else if let info = entry.goBuildInfo {
                store(path, .goBuildInfo(info), size: info.count)
            } else if let audit = entry.rustAudit {
                store(path, .rustAudit(audit), size: audit.count)
            }
        case .symlink:
            if let t = entry.linkTarget { nodes[path] = Stored(layer: layer, node: .symlink(t)) }
        case .hardlink:
            // A hard link to a captured file shares its bytes.
            if let t = entry.linkTarget, case .file(let bytes)? = nodes[t]?.node { store(path, .file(bytes), size: bytes.count) }
        case .directory, .other:
            break
        }
    }

    /// Ends the current layer: applies its whiteouts to lower layers.
    public mutating func endLayer() {
        if !deleted.isEmpty || !hiddenBelow.isEmpty {
            let doomed = nodes.compactMap { $0.value.layer < layer && isHidden($0.key) ? $0.key : nil }
            for path in doomed { remove(path) }
        }
        deleted.removeAll()
        hiddenBelow.removeAll()
        layer += 1
        lowerDirs = [""]
        for path in nodes.keys {
            var p = Substring(path)
            while let slash = p.lastIndex(of: "/") {
                p = p[..<slash]
                if !lowerDirs.insert(String(p)).inserted { break }
            }
        }
    }

    /// Contents of `path` after following symlinks in any component.
    public func file(_ path: String) -> [UInt8]? {
        guard let real = resolve(path), case .file(let bytes)? = nodes[real]?.node else { return nil }
        return bytes
    }

    /// Captured regular files (not symlinks) whose path matches, sorted by path.
    public func files(matching predicate: (String) -> Bool) -> [(path: String, content: [UInt8])] {
        var out: [(path: String, content: [UInt8])] = []
        for (path, stored) in nodes {
            if case .file(let bytes) = stored.node, predicate(path) { out.append((path, bytes)) }
        }
        out.sort { $0.path < $1.path }
        return out
    }

    /// The Go build information of the image's Go executables, sorted by path.
    public func goBuildInfos() -> [(path: String, info: [UInt8])] {
        nodes.compactMap { path, stored in
            if case .goBuildInfo(let info) = stored.node { (path, info) } else { nil }
        }.sorted { $0.path < $1.path }
    }

    /// The dependency lists of the image's Rust executables built with cargo-auditable, sorted by path.
    public func rustAudits() -> [(path: String, json: [UInt8])] {
        nodes.compactMap { path, stored in
            if case .rustAudit(let json) = stored.node { (path, json) } else { nil }
        }.sorted { $0.path < $1.path }
    }

    /// Resolves symlinks (relative or absolute targets) in every component,
    /// at most 16 hops; nil on a loop.
    public func resolve(_ path: String) -> String? {
        var comps = path.split(separator: "/").map(String.init)
        var done: [String] = []
        var idx = 0
        var hops = 0
        while idx < comps.count {
            let c = comps[idx]
            if c == "." { idx += 1; continue }
            if c == ".." {
                if !done.isEmpty { done.removeLast() }
                idx += 1
                continue
            }
            let candidate = (done + [c]).joined(separator: "/")
            if case .symlink(let target)? = nodes[candidate]?.node {
                hops += 1
                if hops > 16 { return nil }
                if target.hasPrefix("/") { done = [] }
                comps = target.split(separator: "/").map(String.init) + comps[(idx + 1)...]
                idx = 0
            } else {
                done.append(c)
                idx += 1
            }
        }
        return done.joined(separator: "/")
    }

    // MARK: - Private

    private mutating func store(_ path: String, _ node: Node, size: Int) {
        if totalBytes + size > maxTotalBytes {
            droppedFiles += 1
            return
        }
        totalBytes += size
        nodes[path] = Stored(layer: layer, node: node)
    }

    private mutating func remove(_ path: String) {
        switch nodes.removeValue(forKey: path)?.node {
        case .file(let b)?, .goBuildInfo(let b)?, .rustAudit(let b)?: totalBytes -= b.count
        default: break
        }
    }

    private func isHidden(_ path: String) -> Bool {
        if deleted.contains(path) { return true }
        var p = Substring(path)
        while let slash = p.lastIndex(of: "/") {
            p = p[..<slash]
            let s = String(p)
            if deleted.contains(s) || hiddenBelow.contains(s) { return true }
        }
        return hiddenBelow.contains("") // opaque root
    }

    static func split(_ path: String) -> (parent: String, base: String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        return (String(path[..<slash]), String(path[path.index(after: slash)...]))
    }
}
