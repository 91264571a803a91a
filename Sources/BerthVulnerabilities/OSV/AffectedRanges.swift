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
        // Parsed once for all the ranges of each scheme, when a range asks (an unparsable version cannot be placed in any).
        var byEcosystem: ParsedVersion?? = nil
        var bySemver: ParsedVersion?? = nil
        for range in ranges {
            switch range.type {
            case .git:
                continue
            case .semver:
                if bySemver == nil { bySemver = .some(VersionScheme.semver.parse(version)) }
                if let installed = bySemver ?? nil, range.includes(installed, scheme: .semver) { return true }
            case .ecosystem:
                if byEcosystem == nil { byEcosystem = .some(scheme.parse(version)) }
                if let installed = byEcosystem ?? nil, range.includes(installed, scheme: scheme) { return true }
            }
        }
        return false
    }
}

extension OSVRange {
    /// `BeforeLimits(v) && walk(sorted(events))` from the schema's pseudocode, for one range.
    /// GIT ranges are never included (see the extension's notes).
    public func includes(_ version: String, scheme: VersionScheme) -> Bool {
        // An unparsable version cannot be placed in any range.
        guard let parsed = scheme.parse(version) else { return false }
        return includes(parsed, scheme: scheme)
    }

    /// The same for a version parsed by `scheme`: each event's version is parsed once, not at every comparison.
    public func includes(_ version: ParsedVersion, scheme: VersionScheme) -> Bool {
        guard type != .git else { return false }
        let events = self.events.map { Parsed(event: $0, version: Self.isIntroducedZero($0) ? nil : scheme.parse($0.version)) }
        guard beforeLimits(version, events) else { return false }

        var vulnerable = false
        for parsed in Self.sortedForWalk(events) {
            let order = parsed.version.flatMap(version.compare)
            switch parsed.event {
            case .introduced:
                if Self.isIntroducedZero(parsed.event) || order.map({ $0 >= 0 }) == true { vulnerable = true }
            case .fixed:
                if order.map({ $0 >= 0 }) == true { vulnerable = false }
            case .lastAffected:
                if order.map({ $0 > 0 }) == true { vulnerable = false }
            case .limit:
                break  // handled by beforeLimits, as in the pseudocode
            }
        }
        return vulnerable
    }

    /// An event with its version parsed (nil: `introduced: "0"`, or not a version of the scheme).
    struct Parsed {
        let event: OSVEvent
        let version: ParsedVersion?
    }

    private func beforeLimits(_ version: ParsedVersion, _ events: [Parsed]) -> Bool {
        var sawLimit = false
        for parsed in events {
            guard case .limit(let limit) = parsed.event else { continue }
            sawLimit = true
            if limit.contains("*") { return true }
            if parsed.version.flatMap(version.compare).map({ $0 < 0 }) == true { return true }
        }
        // No limit events: the implicit `{ "limit": "*" }`.
        return !sawLimit
    }

    private static func isIntroducedZero(_ event: OSVEvent) -> Bool {
        if case .introduced("0") = event { return true }
        return false
    }

    /// `sorted(range.events)`: ascending by version, `introduced: "0"` first, ties and
    /// incomparable pairs in record order.
    static func sortedForWalk(_ events: [Parsed]) -> [Parsed] {
        stableMergeSort(events) { a, b in
            let aZero = isIntroducedZero(a.event)
            let bZero = isIntroducedZero(b.event)
            if aZero || bZero { return aZero && !bZero }
            guard let x = a.version, let y = b.version else { return false }
            return (x.compare(y) ?? 0) < 0
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
