/// One archive member as reported by `TarStream`.
///
/// Only the metadata needed to rebuild an image's file tree is kept; the
/// content is present only for small files the caller asked to capture, so
/// that memory stays bounded regardless of the layer size.
public struct TarEntry: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case file, directory, symlink, hardlink, other
    }

    /// Normalized path: no leading "./" or "/", no "." or ".." components,
    /// no empty components. The archive root itself is "".
    public var path: String
    public var kind: Kind
    /// Size from the header (after pax/GNU overrides); 0 for links and directories.
    public var size: Int64
    /// Target of a symlink or hardlink (hardlink targets are normalized like paths).
    public var linkTarget: String?
    /// File bytes, only for captured regular files no larger than the capture limit.
    public var content: [UInt8]?
    /// The build information of a Go executable that was not captured
    /// (`GoBuildInfoSniffer`), from its magic to the end of the module list.
    public var goBuildInfo: [UInt8]?
    /// The dependency list cargo-auditable embeds in a Rust executable that
    /// was not captured (`RustAuditSniffer`), inflated: JSON.
    public var rustAudit: [UInt8]?

    public init(path: String, kind: Kind, size: Int64, linkTarget: String? = nil, content: [UInt8]? = nil, goBuildInfo: [UInt8]? = nil) {
        self.path = path
        self.kind = kind
        self.size = size
        self.linkTarget = linkTarget
        self.content = content
        self.goBuildInfo = goBuildInfo
    }
}

/// Errors raised by `TarStream`. Any of them means the layer cannot be trusted.
public enum TarError: Error, Sendable, Hashable {
    /// The header checksum does not match its bytes.
    case badChecksum
    /// A numeric header field is not valid octal/base-256 or is out of range.
    case badNumber(field: String)
    /// An entry claims a size above the 2^40 byte limit.
    case sizeTooLarge
    /// A pax extended header or GNU long name/link exceeds 1 MiB.
    case metadataTooLarge
    /// A pax extended header record is malformed.
    case badPaxRecord
    /// The data ended in the middle of a header or an entry.
    case truncated
}

/// Path normalization shared by the tar parser and the file tree.
enum PathNormalizer {
    /// Drops "", "." and resolves ".." lexically (never above the root),
    /// so that "./a//b/../c" becomes "a/c" and "/../etc" becomes "etc".
    static func normalize(_ raw: String) -> String {
        var out: [Substring] = []
        for comp in raw.split(separator: "/", omittingEmptySubsequences: true) {
            if comp == "." { continue }
            if comp == ".." {
                if !out.isEmpty { out.removeLast() }
                continue
            }
            out.append(comp)
        }
        return out.joined(separator: "/")
    }
}
