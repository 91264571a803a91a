/// A range of versions as npm and Helm write them, over tags that are
/// semantic versions: comparators joined by spaces (all must hold), sets
/// joined by `||` (one must): `>=1.2.0 <2.0.0`, `^1.4.0`, `~2.3.1`,
/// `=3.0.0 || >=4.1.0`. `^X.Y.Z` keeps the first non-zero number, `~X.Y.Z`
/// the minor. A pre-release matches only a set that names a pre-release
/// of the same `X.Y.Z` (as npm does), so `>=1.0.0` takes no `2.0.0-rc.1`.
public struct SemanticVersionRange: Sendable, Equatable, CustomStringConvertible {
    private enum Operator: String, Sendable { case atLeast = ">=", above = ">", atMost = "<=", below = "<", exactly = "=" }
    private struct Comparator: Sendable, Equatable {
        let op: Operator
        let version: SemanticVersion
        static func == (a: Comparator, b: Comparator) -> Bool { a.op == b.op && a.version == b.version }

        func holds(for v: SemanticVersion) -> Bool {
            switch op {
            case .atLeast: return !(v < version)
            case .above: return version < v
            case .atMost: return !(version < v)
            case .below: return v < version
            case .exactly: return v.hasPrecedence(equalTo: version)
            }
        }
    }

    public let text: String
    private let sets: [[Comparator]]

    /// nil when `text` is not a range (or is over 256 characters).
    public init?(_ text: String) {
        guard !text.isEmpty, text.count <= 256 else { return nil }
        var sets: [[Comparator]] = []
        for alternative in text.split(separator: "||", omittingEmptySubsequences: false) {
            var set: [Comparator] = []
            for word in alternative.split(separator: " ") {
                guard let expanded = Self.comparators(String(word)) else { return nil }
                set += expanded
            }
            guard !set.isEmpty else { return nil }
            sets.append(set)
        }
        self.text = text
        self.sets = sets
    }

    public var description: String { text }

    public func contains(_ version: SemanticVersion) -> Bool {
        sets.contains { set in
            guard set.allSatisfy({ $0.holds(for: version) }) else { return false }
            guard !version.isRelease else { return true }
            return set.contains { !$0.version.isRelease && Self.core($0.version) == Self.core(version) }
        }
    }

    private static func core(_ v: SemanticVersion) -> [String] { [v.major, v.minor, v.patch] }

    private static func comparators(_ word: String) -> [Comparator]? {
        for op in ["^", "~"] where word.hasPrefix(op) {
            guard let low = SemanticVersion(String(word.dropFirst())) else { return nil }
            let high: String
            if op == "~" {
                high = "\(low.major).\(increment(low.minor)).0"
            } else if low.major != "0" {
                high = "\(increment(low.major)).0.0"
            } else if low.minor != "0" {
                high = "0.\(increment(low.minor)).0"
            } else {
                high = "0.0.\(increment(low.patch))"
            }
            guard let upper = SemanticVersion(high) else { return nil }
            return [Comparator(op: .atLeast, version: low), Comparator(op: .below, version: upper)]
        }
        for op in [Operator.atLeast, .atMost, .above, .below, .exactly] where word.hasPrefix(op.rawValue) {
            guard let version = SemanticVersion(String(word.dropFirst(op.rawValue.count))) else { return nil }
            return [Comparator(op: op, version: version)]
        }
        return SemanticVersion(word).map { [Comparator(op: .exactly, version: $0)] }
    }

    /// A digit string plus one (numbers may be longer than any integer type).
    private static func increment(_ digits: String) -> String {
        var chars = Array(digits)
        var index = chars.count - 1
        while index >= 0 {
            if chars[index] == "9" {
                chars[index] = "0"
                index -= 1
            } else {
                chars[index] = Character(String(chars[index].wholeNumberValue! + 1))
                return String(chars)
            }
        }
        return "1" + String(chars)
    }
}
