import Foundation

/// What a `/v2/…` path addresses. Repository names contain slashes, so the
/// path is read from its end, where the fixed words (`manifests`, `blobs`,
/// `uploads`, `tags/list`, `referrers`) stand. Names and references are
/// returned unvalidated: the handler answers a bad one with the spec's code.
public enum V2Route: Equatable, Sendable {
    case base
    case catalog
    case tags(name: String)
    case manifest(name: String, reference: String)
    case blob(name: String, digest: String)
    case uploads(name: String)
    case upload(name: String, id: String)
    case referrers(name: String, digest: String)

    public init?(path: String) {
        guard path.hasPrefix("/v2") else { return nil }
        let rest = path.dropFirst(3)
        if rest.isEmpty || rest == "/" {
            self = .base
            return
        }
        guard rest.first == "/" else { return nil }
        let parts = rest.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if parts == ["_catalog"] {
            self = .catalog
            return
        }
        let n = parts.count
        guard n >= 3 else { return nil }
        func name(dropping count: Int) -> String { parts[..<(n - count)].joined(separator: "/") }
        let last = parts[n - 1].removingPercentEncoding ?? parts[n - 1]
        switch (parts[n - 2], parts[n - 1]) {
        case ("tags", "list"): self = .tags(name: name(dropping: 2))
        case ("blobs", "uploads"): self = .uploads(name: name(dropping: 2))
        case ("uploads", _) where n >= 4 && parts[n - 3] == "blobs":
            self = last.isEmpty ? .uploads(name: name(dropping: 3)) : .upload(name: name(dropping: 3), id: last)
        case ("manifests", _): self = .manifest(name: name(dropping: 2), reference: last)
        case ("blobs", _): self = .blob(name: name(dropping: 2), digest: last)
        case ("referrers", _): self = .referrers(name: name(dropping: 2), digest: last)
        default: return nil
        }
    }
}
