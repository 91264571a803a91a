/// A Semantic Versioning 2.0.0 version as a tag spells it: `1.4.2`,
/// `v1.4.2`, `1.5.0-rc.1`. Tags cannot hold `+`, so there is no build
/// metadata. Numbers are kept as digit strings: a tag may hold a number
/// too large for any integer type, and precedence needs only their order.
public struct SemanticVersion: Sendable, Equatable, Comparable, CustomStringConvertible {
    /// "v" or "".
    public let prefix: String
    public let major: String
    public let minor: String
    public let patch: String
    /// The dot-separated pre-release identifiers; empty for a release.
    public let preRelease: [String]

    /// nil unless `tag` is a version by the SemVer grammar (no leading zeros
    /// in numbers, non-empty identifiers of `[0-9A-Za-z-]`).
    public init?(_ tag: String) {
        var rest = Substring(tag)
        prefix = rest.first == "v" ? "v" : ""
        if !prefix.isEmpty { rest = rest.dropFirst() }
        let (core, pre) = rest.firstIndex(of: "-").map { (rest[..<$0], Optional(rest[rest.index(after: $0)...])) } ?? (rest, nil)
        let numbers = core.split(separator: ".", omittingEmptySubsequences: false)
        guard numbers.count == 3, numbers.allSatisfy(Self.isNumber) else { return nil }
        (major, minor, patch) = (String(numbers[0]), String(numbers[1]), String(numbers[2]))
        if let pre {
            let identifiers = pre.split(separator: ".", omittingEmptySubsequences: false)
            guard identifiers.allSatisfy(Self.isIdentifier) else { return nil }
            preRelease = identifiers.map(String.init)
        } else {
            preRelease = []
        }
    }

    public var isRelease: Bool { preRelease.isEmpty }

    public var description: String {
        prefix + major + "." + minor + "." + patch + (preRelease.isEmpty ? "" : "-" + preRelease.joined(separator: "."))
    }

    /// SemVer precedence (the prefix takes no part in it).
    public static func < (a: SemanticVersion, b: SemanticVersion) -> Bool {
        for (x, y) in [(a.major, b.major), (a.minor, b.minor), (a.patch, b.patch)] where x != y {
            return numericallyBefore(x, y)
        }
        // A release follows its pre-releases.
        switch (a.preRelease.isEmpty, b.preRelease.isEmpty) {
        case (true, _): return false
        case (false, true): return true
        case (false, false): break
        }
        for (x, y) in zip(a.preRelease, b.preRelease) where x != y {
            switch (x.allSatisfy(\.isASCIIDigit), y.allSatisfy(\.isASCIIDigit)) {
            case (true, true): return numericallyBefore(x, y)
            case (true, false): return true  // numeric identifiers come first
            case (false, true): return false
            case (false, false): return x < y
            }
        }
        return a.preRelease.count < b.preRelease.count
    }

    /// Equal precedence (`v1.2.3` and `1.2.3` are the same version).
    public func hasPrecedence(equalTo other: SemanticVersion) -> Bool { !(self < other) && !(other < self) }

    private static func numericallyBefore(_ x: String, _ y: String) -> Bool {
        x.count != y.count ? x.count < y.count : x < y
    }

    private static func isNumber(_ s: Substring) -> Bool {
        !s.isEmpty && s.allSatisfy(\.isASCIIDigit) && (s.count == 1 || s.first != "0")
    }

    private static func isIdentifier(_ s: Substring) -> Bool {
        guard !s.isEmpty, s.allSatisfy({ $0.isASCIIDigit || $0.isASCIILetter || $0 == "-" }) else { return false }
        return !s.allSatisfy(\.isASCIIDigit) || s.count == 1 || s.first != "0"
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
    var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
}
