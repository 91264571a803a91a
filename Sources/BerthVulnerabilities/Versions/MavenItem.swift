/// One parsed piece of a Maven version and Maven's pairwise order of pieces.
///
/// Maven compares a piece against another piece or against "nothing" (the other version
/// ran out), with different rules per kind of piece. They live apart from the tokenizer so
/// each case can be checked against `ComparableVersion`'s `Item` classes one by one.
indirect enum MavenItem: Sendable {
    /// A digit run without leading zeros (empty means 0). Maven's Int, Long and BigInteger
    /// items all order numerically, so one case covers them without integer overflow.
    case number([UInt8])
    /// A qualifier such as "rc" or "redhat".
    case qualifier(MavenQualifier)
    /// A sub-list, opened by '-' or by a digit/letter transition.
    case list([MavenItem])

    /// Whether normalisation drops this item when it is trailing (Java's `isNull`):
    /// zero, the release qualifier (including ga/final/release) and the empty list.
    var isNull: Bool {
        switch self {
        case .number(let digits): return digits.isEmpty
        case .qualifier(let q): return q.compareToRelease == 0
        case .list(let items): return items.isEmpty
        }
    }

    /// Java's `Item.compareTo(Item)`; `nil` stands for the missing item of a shorter list.
    /// Numbers beat lists, which beat qualifiers: 1.1 > 1-1 > 1-sp.
    func compare(to other: MavenItem?) -> Int {
        switch self {
        case .number(let digits):
            guard let other else { return digits.isEmpty ? 0 : 1 }
            if case .number(let others) = other { return VersionText.compareNumbers(digits, others) }
            return 1

        case .qualifier(let q):
            guard let other else { return q.compareToRelease }
            if case .qualifier(let r) = other { return q.compare(to: r) }
            return -1

        case .list(let items):
            guard let other else {
                // The whole list decides, not only its first item (MNG-6964).
                for item in items {
                    let result = item.compare(to: nil)
                    if result != 0 { return result }
                }
                return 0
            }
            switch other {
            case .number: return -1
            case .qualifier: return 1
            case .list(let others):
                for k in 0..<max(items.count, others.count) {
                    let left = k < items.count ? items[k] : nil
                    let right = k < others.count ? others[k] : nil
                    let result: Int
                    if let left {
                        result = left.compare(to: right)
                    } else if let right {
                        result = -right.compare(to: nil)
                    } else {
                        result = 0
                    }
                    if result != 0 { return result }
                }
                return 0
            }
        }
    }
}

/// A Maven qualifier with its precomputed sort key (Java's `comparableQualifier`).
struct MavenQualifier: Sendable {
    let value: String
    /// UTF-16 code units, because Java orders the keys with `String.compareTo`.
    private let key: [UInt16]

    private static let known = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"]
    private static let aliases = ["ga": "", "final": "", "release": "", "cr": "rc"]
    private static let releaseKey = Array("5".utf16)

    /// `followedByDigit` turns the one-letter forms in "a1", "b1" and "m1" into alpha, beta
    /// and milestone; a bare "a" stays an unknown qualifier, exactly as in Maven.
    init(_ raw: String, followedByDigit: Bool) {
        var value = raw
        if followedByDigit {
            switch raw {
            case "a": value = "alpha"
            case "b": value = "beta"
            case "m": value = "milestone"
            default: break
            }
        }
        value = Self.aliases[value] ?? value
        self.value = value
        if let index = Self.known.firstIndex(of: value) {
            key = Array(String(index).utf16)
        } else {
            // Unknown qualifiers sort after all known ones and among themselves lexically.
            key = Array("\(Self.known.count)-\(value)".utf16)
        }
    }

    func compare(to other: MavenQualifier) -> Int {
        Self.javaCompare(key, other.key)
    }

    /// Order against "no qualifier": negative for pre-releases, zero for the release.
    var compareToRelease: Int {
        Self.javaCompare(key, Self.releaseKey)
    }

    private static func javaCompare(_ a: [UInt16], _ b: [UInt16]) -> Int {
        for (x, y) in zip(a, b) where x != y { return x < y ? -1 : 1 }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }
}
