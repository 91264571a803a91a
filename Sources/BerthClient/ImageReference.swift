import OCI

/// An image reference as people write it: `[host[:port]/]path[:tag][@digest]`,
/// where a first component with a `.` or a `:` (or `localhost`) names the
/// registry, and no host means Docker Hub (`alpine` is `library/alpine`).
public struct ImageReference: Sendable, Equatable, CustomStringConvertible {
    /// The registry as written, or nil.
    public let host: String?
    /// The path as written.
    public let path: String
    public let tag: String?
    public let digest: Digest?

    public init?(_ text: String) {
        guard !text.isEmpty, text.utf8.count <= 1024, !text.contains(where: { $0.isWhitespace || $0 == "$" }) else { return nil }
        var rest = Substring(text)
        if let at = rest.firstIndex(of: "@") {
            guard let digest = try? Digest(parsing: String(rest[rest.index(after: at)...])) else { return nil }
            self.digest = digest
            rest = rest[..<at]
        } else {
            digest = nil
        }
        let lastSlash = rest.lastIndex(of: "/")
        let nameEnd = lastSlash.map { rest.index(after: $0) } ?? rest.startIndex
        if let colon = rest[nameEnd...].lastIndex(of: ":") {
            let tag = String(rest[rest.index(after: colon)...])
            guard (try? Tag(parsing: tag)) != nil else { return nil }
            self.tag = tag
            rest = rest[..<colon]
        } else {
            tag = nil
        }
        let components = rest.split(separator: "/", omittingEmptySubsequences: false)
        if components.count > 1, let first = components.first, first.contains(".") || first.contains(":") || first == "localhost" {
            host = String(first)
            path = components.dropFirst().joined(separator: "/")
        } else {
            host = nil
            path = String(rest)
        }
        let allowed = path.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || [46, 95, 45, 47].contains($0) }
        guard !path.isEmpty, allowed, !path.hasPrefix("/"), !path.hasSuffix("/"), !path.contains("//") else { return nil }
    }

    /// Where to ask: Docker Hub's registry for references without a host.
    public var registry: String {
        guard let host, host != "docker.io", host != "index.docker.io" else { return "registry-1.docker.io" }
        return host
    }

    /// The repository on that registry (`library/alpine` for `alpine`).
    public var repository: String {
        registry == "registry-1.docker.io" && !path.contains("/") ? "library/" + path : path
    }

    /// The same reference with `digest` (keeping the tag, as `name:tag@sha256:…`).
    public func pinned(to digest: Digest) -> ImageReference {
        ImageReference(host: host, path: path, tag: tag, digest: digest)
    }

    /// The same reference with `tag`.
    public func tagged(_ tag: String) -> ImageReference {
        ImageReference(host: host, path: path, tag: tag, digest: digest)
    }

    private init(host: String?, path: String, tag: String?, digest: Digest?) {
        (self.host, self.path, self.tag, self.digest) = (host, path, tag, digest)
    }

    public var description: String {
        (host.map { $0 + "/" } ?? "") + path + (tag.map { ":" + $0 } ?? "") + (digest.map { "@\($0)" } ?? "")
    }
}
