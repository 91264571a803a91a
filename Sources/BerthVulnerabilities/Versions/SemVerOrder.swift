/// A SemVer 2.0.0 version and its precedence, shared by npm, crates.io and Go modules.
///
/// npm and crates.io publish SemVer versions and OSV ranges for them need SemVer precedence,
/// in which `1.0.0-alpha < 1.0.0-alpha.1 < 1.0.0-beta.11 < 1.0.0` and build metadata is
/// ignored. The default parse is lenient where registries and advisories are sloppy (a
/// leading `v`, leading zeros, a missing minor or patch) because refusing those would hide a
/// vulnerable package; the strict parse is the one Go's `golang.org/x/mod/semver` uses.
struct SemanticVersion: Comparable, Sendable {
    /// A pre-release identifier: all-digit identifiers compare numerically and below
    /// alphanumeric ones, which compare in ASCII order.
    enum Identifier: Sendable {
        case numeric([UInt8])
        case alphanumeric([UInt8])
    }

    let major: [UInt8]
    let minor: [UInt8]
    let patch: [UInt8]
    /// Empty for a release, which outranks any of its pre-releases.
    let prerelease: [Identifier]

    init?(_ text: String) {
        guard let bytes = VersionText.boundedBytes(text) else { return nil }
        self.init(bytes: bytes, strict: false)
    }

    /// `strict` applies Go's rules: no leading zeros in numbers, and `vX` / `vX.Y` shorthands
    /// only without pre-release or build suffixes. Without `strict`, 1 to 3 core numbers are
    /// accepted and missing ones count as 0.
    init?(bytes: [UInt8], strict: Bool) {
        var pos = 0
        if pos < bytes.count && (bytes[pos] == UInt8(ascii: "v") || (!strict && bytes[pos] == UInt8(ascii: "V"))) {
            pos += 1
        }
        var core: [[UInt8]] = []
        while true {
            let start = pos
            while pos < bytes.count && VersionText.isDigit(bytes[pos]) { pos += 1 }
            let number = bytes[start..<pos]
            guard !number.isEmpty else { return nil }
            if strict && number.count > 1 && number.first == UInt8(ascii: "0") { return nil }
            core.append(Array(VersionText.strippingZeros(number)))
            guard core.count < 3, pos < bytes.count, bytes[pos] == UInt8(ascii: ".") else { break }
            pos += 1
        }
        if core.count < 3 && strict && pos != bytes.count { return nil }

        var prerelease: [Identifier] = []
        if pos < bytes.count && bytes[pos] == UInt8(ascii: "-") {
            guard let identifiers = Self.identifiers(bytes, from: pos + 1, until: UInt8(ascii: "+")) else { return nil }
            for identifier in identifiers.parts {
                if identifier.allSatisfy(VersionText.isDigit) {
                    if strict && identifier.count > 1 && identifier.first == UInt8(ascii: "0") { return nil }
                    prerelease.append(.numeric(Array(identifier)))
                } else {
                    prerelease.append(.alphanumeric(Array(identifier)))
                }
            }
            pos = identifiers.end
        }
        if pos < bytes.count && bytes[pos] == UInt8(ascii: "+") {
            // Build metadata must be well-formed but never affects precedence.
            guard let build = Self.identifiers(bytes, from: pos + 1, until: nil) else { return nil }
            pos = build.end
        }
        guard pos == bytes.count else { return nil }

        major = core[0]
        minor = core.count > 1 ? core[1] : []
        patch = core.count > 2 ? core[2] : []
        self.prerelease = prerelease
    }

    /// Dot-separated, non-empty `[0-9A-Za-z-]+` identifiers, stopping at `stop` or the end.
    private static func identifiers(_ bytes: [UInt8], from start: Int, until stop: UInt8?)
        -> (parts: [ArraySlice<UInt8>], end: Int)?
    {
        var parts: [ArraySlice<UInt8>] = []
        var pos = start
        while true {
            let begin = pos
            while pos < bytes.count && (VersionText.isAlphanumeric(bytes[pos]) || bytes[pos] == UInt8(ascii: "-")) {
                pos += 1
            }
            guard pos > begin else { return nil }
            parts.append(bytes[begin..<pos])
            if pos < bytes.count && bytes[pos] == UInt8(ascii: ".") {
                pos += 1
                continue
            }
            if pos == bytes.count || bytes[pos] == stop { return (parts, pos) }
            return nil
        }
    }

    static func compare(_ a: SemanticVersion, _ b: SemanticVersion) -> Int {
        for (x, y) in [(a.major, b.major), (a.minor, b.minor), (a.patch, b.patch)] {
            let result = VersionText.compareNumbers(x, y)
            if result != 0 { return result }
        }
        switch (a.prerelease.isEmpty, b.prerelease.isEmpty) {
        case (true, true): return 0
        case (true, false): return 1
        case (false, true): return -1
        case (false, false): break
        }
        for (x, y) in zip(a.prerelease, b.prerelease) {
            let result: Int
            switch (x, y) {
            case let (.numeric(m), .numeric(n)): result = VersionText.compareNumbers(m, n)
            case let (.alphanumeric(s), .alphanumeric(t)): result = VersionText.compareBytes(s, t)
            case (.numeric, .alphanumeric): result = -1
            case (.alphanumeric, .numeric): result = 1
            }
            if result != 0 { return result }
        }
        let (m, n) = (a.prerelease.count, b.prerelease.count)
        return m == n ? 0 : (m < n ? -1 : 1)
    }

    static func < (a: SemanticVersion, b: SemanticVersion) -> Bool { compare(a, b) < 0 }
    static func == (a: SemanticVersion, b: SemanticVersion) -> Bool { compare(a, b) == 0 }
}
