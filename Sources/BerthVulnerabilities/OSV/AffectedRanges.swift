/// The OSV evaluation algorithm (docs/schema.md, "Evaluation"), transcribed literally so that a
/// match here means the same thing as a match in any other conforming consumer:
///
///     IncludedInVersions(v, versions) || IncludedInRanges(v, ranges)
///
/// Choices the pseudocode leaves open, and why:
/// - SEMVER ranges are always compared with `VersionScheme.semver`, whatever the ecosystem
///   says, because the schema defines their order as SemVer 2.0 precedence.
/// - GIT ranges are skipped: their events are commit hashes, and an image gives us installed
///   versions, not commits. Their effect reaches us through `versions` (OSV.dev expands it).
/// - If the queried version is unparsable by the scheme, no range can place it, so ranges say
///   "not affected"; only an exact `versions` entry can still match it.
/// - An event whose version the scheme cannot parse makes every comparison with it false, which
///   in the pseudocode means the event changes nothing. It is kept in place rather than
///   guessed at.
/// - `introduced: "0"` sorts before every version and is "≤ v" for every parsable `v` without
///   asking the scheme (many schemes, SemVer among them, cannot parse a bare "0").
/// - A `limit` containing "*" is infinity. Limits are applied exactly as `BeforeLimits` does —
///   `v` must be below *some* limit — not as a closing event in the walk; the two differ
///   when a range carries several limits.
/// - Events are sorted with a stable merge sort (ties keep their record order), so the result
///   is deterministic and cannot misbehave even if a comparator is inconsistent.
extension OSVAffected {
    /// Whether `version` of this entry's package is affected, per the OSV evaluation algorithm.
    /// `scheme` orders ECOSYSTEM ranges; the caller picks it from the package's ecosystem
    /// (usually `VersionScheme.forEcosystem(package.ecosystem)`).
    public func affects(version: String, scheme: VersionScheme) -> Bool {
        if versions.contains(version) { return true }
        for range in ranges {
            let rangeScheme: VersionScheme
            switch range.type {
            case .git: continue
            case .semver: rangeScheme = .semver
            case .ecosystem: rangeScheme = scheme
            }
            if range.includes(version, scheme: rangeScheme) { return true }
        }
        return false
    }
}

extension OSVRange {
    /// `BeforeLimits(v) && walk(sorted(events))` from the schema's pseudocode, for one range.
    /// GIT ranges are never included (see the extension's notes).
    public func includes(_ version: String, scheme: VersionScheme) -> Bool {
        guard type != .git else { return false }
        // An unparsable version cannot be placed in any range.
        guard scheme.compare(version, version) != nil else { return false }
        guard beforeLimits(version, scheme: scheme) else { return false }

        var vulnerable = false
        for event in Self.sortedForWalk(events, scheme: scheme) {
            switch event {
            case .introduced(let v):
                if Self.isIntroducedZero(event) || Self.compare(version, v, scheme).map({ $0 >= 0 }) == true {
                    vulnerable = true
                }
            case .fixed(let v):
                if Self.compare(version, v, scheme).map({ $0 >= 0 }) == true { vulnerable = false }
            case .lastAffected(let v):
                if Self.compare(version, v, scheme).map({ $0 > 0 }) == true { vulnerable = false }
            case .limit:
                break  // handled by beforeLimits, as in the pseudocode
            }
        }
        return vulnerable
    }

    private func beforeLimits(_ version: String, scheme: VersionScheme) -> Bool {
        var sawLimit = false
        for case .limit(let limit) in events {
            sawLimit = true
            if limit.contains("*") { return true }
            if Self.compare(version, limit, scheme).map({ $0 < 0 }) == true { return true }
        }
        // No limit events: the implicit `{ "limit": "*" }`.
        return !sawLimit
    }

    private static func compare(_ a: String, _ b: String, _ scheme: VersionScheme) -> Int? {
        scheme.compare(a, b)
    }

    private static func isIntroducedZero(_ event: OSVEvent) -> Bool {
        if case .introduced("0") = event { return true }
        return false
    }

    /// `sorted(range.events)`: ascending by version, `introduced: "0"` first, ties and
    /// incomparable pairs in record order.
    static func sortedForWalk(_ events: [OSVEvent], scheme: VersionScheme) -> [OSVEvent] {
        stableMergeSort(events) { a, b in
            let aZero = isIntroducedZero(a)
            let bZero = isIntroducedZero(b)
            if aZero || bZero { return aZero && !bZero }
            return (scheme.compare(a.version, b.version) ?? 0) < 0
        }
    }
}

/// Bottom-up stable merge sort. Used instead of the standard library's sort because it is
/// guaranteed stable and only ever reads indices it has checked, whatever `before` returns.
func stableMergeSort<T>(_ input: [T], by before: (T, T) -> Bool) -> [T] {
    let n = input.count
    guard n > 1 else { return input }
    var source = input
    var target = input
    var width = 1
    while width < n {
        var start = 0
        while start < n {
            let mid = min(start + width, n)
            let end = min(start + 2 * width, n)
            var i = start
            var j = mid
            var k = start
            while k < end {
                // Take from the right run only when its head is strictly before the left's.
                if i < mid && (j >= end || !before(source[j], source[i])) {
                    target[k] = source[i]
                    i += 1
                } else {
                    target[k] = source[j]
                    j += 1
                }
                k += 1
            }
            start = end
        }
        swap(&source, &target)
        // `width` cannot overflow: it stays below 2 * n.
        width *= 2
    }
    return source
}
