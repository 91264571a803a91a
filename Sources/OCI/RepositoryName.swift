/// A repository name such as `team/sub/app`, validated against the
/// distribution spec's grammar:
/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*`,
/// at most 255 characters.
public struct RepositoryName: Hashable, Sendable, CustomStringConvertible, Comparable {
    public static let maxLength = 255
    public let value: String

    public init(parsing string: String) throws(RegistryError) {
        guard !string.isEmpty, string.utf8.count <= Self.maxLength else {
            throw RegistryError(
                .nameInvalid, "repository name must be 1 to \(Self.maxLength) characters",
                detail: ["name": String(string.prefix(300))])
        }
        for component in string.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            guard Self.isValidComponent(component) else {
                throw RegistryError(
                    .nameInvalid,
                    "invalid repository name: each path component must be lowercase letters and digits, "
                        + "separated by '.', '_', '__' or dashes",
                    detail: ["name": string])
            }
        }
        value = string
    }

    /// The project a repository belongs to: its first path component.
    public var project: String {
        String(value.prefix { $0 != "/" })
    }

    public var description: String { value }

    public static func < (lhs: RepositoryName, rhs: RepositoryName) -> Bool { lhs.value < rhs.value }

    static func isAlphaNumeric(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
    }

    private static func isValidComponent(_ bytes: Substring.UTF8View.SubSequence) -> Bool {
        guard let first = bytes.first, let last = bytes.last, isAlphaNumeric(first), isAlphaNumeric(last) else {
            return false
        }
        var separator: [UInt8] = []
        for c in bytes {
            if isAlphaNumeric(c) {
                if !separator.isEmpty {
                    guard isValidSeparator(separator) else { return false }
                    separator.removeAll(keepingCapacity: true)
                }
            } else if c == UInt8(ascii: ".") || c == UInt8(ascii: "_") || c == UInt8(ascii: "-") {
                separator.append(c)
            } else {
                return false
            }
        }
        return true
    }

    private static func isValidSeparator(_ s: [UInt8]) -> Bool {
        if s.allSatisfy({ $0 == UInt8(ascii: "-") }) { return true }
        return s == [UInt8(ascii: ".")] || s == [UInt8(ascii: "_")] || s == [UInt8(ascii: "_"), UInt8(ascii: "_")]
    }
}

/// A tag: `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`.
public struct Tag: Hashable, Sendable, CustomStringConvertible, Comparable {
    public static let maxLength = 128
    public let value: String

    public init(parsing string: String) throws(RegistryError) {
        let bytes = Array(string.utf8)
        guard let first = bytes.first, bytes.count <= Self.maxLength,
              Self.isWordCharacter(first),
              bytes.allSatisfy({ Self.isWordCharacter($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") })
        else {
            throw RegistryError(
                .tagInvalid,
                "invalid tag: must match [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}",
                detail: ["tag": String(string.prefix(200))])
        }
        value = string
    }

    public var description: String { value }

    public static func < (lhs: Tag, rhs: Tag) -> Bool { lhs.value < rhs.value }

    private static func isWordCharacter(_ c: UInt8) -> Bool {
        RepositoryName.isAlphaNumeric(c) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")) || c == UInt8(ascii: "_")
    }
}

/// What a manifest URL names: a tag or a digest.
public enum Reference: Hashable, Sendable, CustomStringConvertible {
    case tag(Tag)
    case digest(Digest)

    /// A reference containing ':' must be a digest; anything else must be a tag.
    public init(parsing string: String) throws(RegistryError) {
        if string.contains(":") {
            self = .digest(try Digest(parsing: string))
        } else {
            self = .tag(try Tag(parsing: string))
        }
    }

    public var description: String {
        switch self {
        case .tag(let t): t.value
        case .digest(let d): d.description
        }
    }

    /// The tag's name, when this is a tag.
    public var tag: String? {
        if case .tag(let t) = self { return t.value }
        return nil
    }
}
