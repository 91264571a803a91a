/// A Debian package version, ordered as `dpkg --compare-versions` orders it.
///
/// Debian and Ubuntu advisories quote versions in this syntax and expect dpkg's order, in
/// which `~` sorts before everything (so `1.0~rc1` is older than `1.0`) and an epoch outranks
/// everything after it (so `1:0.1` is newer than `2.0`). Parsing follows dpkg's
/// `parseversion`; comparison is its `verrevcmp`, applied to upstream version and revision.
struct DpkgVersion: Comparable, Sendable {
    /// Epoch digits without leading zeros; empty means epoch 0.
    let epoch: [UInt8]
    let upstream: [UInt8]
    /// Empty when the version has no Debian revision, which dpkg treats the same as "0".
    let revision: [UInt8]

    /// dpkg stores the epoch in an `int` and rejects larger values, so we do too.
    private static let largestEpoch: [UInt8] = Array("2147483647".utf8)

    init?(_ text: String) {
        guard let raw = VersionText.boundedBytes(text) else { return nil }
        // dpkg ignores surrounding blanks but refuses blanks inside a version.
        var start = 0, end = raw.count
        while start < end && VersionText.isWhitespace(raw[start]) { start += 1 }
        while end > start && VersionText.isWhitespace(raw[end - 1]) { end -= 1 }
        var rest = raw[start..<end]
        guard !rest.isEmpty else { return nil }

        var epoch: ArraySlice<UInt8> = []
        if let colon = rest.firstIndex(of: UInt8(ascii: ":")) {
            let digits = rest[..<colon]
            guard !digits.isEmpty, digits.allSatisfy(VersionText.isDigit) else { return nil }
            epoch = VersionText.strippingZeros(digits)
            guard VersionText.compareNumbers(epoch, Self.largestEpoch[...]) <= 0 else { return nil }
            rest = rest[(colon + 1)...]
            guard !rest.isEmpty else { return nil }
        }

        // The revision starts after the LAST hyphen, so upstream versions may contain hyphens.
        var upstream = rest
        var revision: ArraySlice<UInt8> = []
        if let hyphen = rest.lastIndex(of: UInt8(ascii: "-")) {
            upstream = rest[..<hyphen]
            revision = rest[(hyphen + 1)...]
            guard !revision.isEmpty else { return nil }
        }
        guard !upstream.isEmpty else { return nil }
        // dpkg only warns about other characters; we refuse them because their order is
        // byte-value dependent and no real Debian version contains them.
        guard upstream.allSatisfy({ Self.isUpstreamByte($0) }),
              revision.allSatisfy({ Self.isRevisionByte($0) }) else { return nil }

        self.epoch = Array(epoch)
        self.upstream = Array(upstream)
        self.revision = Array(revision)
    }

    private static func isUpstreamByte(_ byte: UInt8) -> Bool {
        VersionText.isAlphanumeric(byte) || ".-+~:".utf8.contains(byte)
    }

    private static func isRevisionByte(_ byte: UInt8) -> Bool {
        VersionText.isAlphanumeric(byte) || ".+~".utf8.contains(byte)
    }

    static func compare(_ a: DpkgVersion, _ b: DpkgVersion) -> Int {
        let byEpoch = VersionText.compareNumbers(a.epoch, b.epoch)
        if byEpoch != 0 { return byEpoch }
        let byUpstream = verrevcmp(a.upstream, b.upstream)
        if byUpstream != 0 { return byUpstream }
        return verrevcmp(a.revision, b.revision)
    }

    static func < (a: DpkgVersion, b: DpkgVersion) -> Bool { compare(a, b) < 0 }
    static func == (a: DpkgVersion, b: DpkgVersion) -> Bool { compare(a, b) == 0 }

    /// dpkg's weight of one byte inside a non-digit run: `~` below the end of the run,
    /// letters below every other character. Position 0 (end of string) weighs 0, like a digit,
    /// because in dpkg both end the non-digit run.
    private static func weight(_ byte: UInt8) -> Int {
        if byte == 0 || VersionText.isDigit(byte) { return 0 }
        if VersionText.isAlpha(byte) { return Int(byte) }
        if byte == UInt8(ascii: "~") { return -1 }
        return Int(byte) + 256
    }

    /// dpkg's `verrevcmp`: alternating non-digit runs (compared by `weight`) and digit runs
    /// (compared numerically, of any length).
    static func verrevcmp(_ a: [UInt8], _ b: [UInt8]) -> Int {
        func at(_ s: [UInt8], _ k: Int) -> UInt8 { k < s.count ? s[k] : 0 }
        var i = 0, j = 0
        while i < a.count || j < b.count {
            while (i < a.count && !VersionText.isDigit(a[i])) || (j < b.count && !VersionText.isDigit(b[j])) {
                let x = weight(at(a, i)), y = weight(at(b, j))
                if x != y { return VersionText.sign(x - y) }
                i += 1
                j += 1
            }
            let digitsA = i
            while i < a.count && VersionText.isDigit(a[i]) { i += 1 }
            let digitsB = j
            while j < b.count && VersionText.isDigit(b[j]) { j += 1 }
            let byNumber = VersionText.compareNumbers(a[digitsA..<i], b[digitsB..<j])
            if byNumber != 0 { return byNumber }
        }
        return 0
    }
}
