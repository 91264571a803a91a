/// An RPM `[epoch:]version[-release]`, ordered as rpm orders package EVRs.
///
/// Red Hat, Rocky, Alma and SUSE advisories give fixed versions as EVR strings. rpm splits
/// them like `parseEVR` (epoch = leading digits before ':', release after the last '-') and
/// compares each part with `rpmvercmp`, whose rules (`~` before everything, `^` after the end
/// but before any further segment, numbers beat letters) are unlike dpkg's.
struct RpmVersion: Comparable, Sendable {
    /// Epoch digits without leading zeros; empty means epoch 0, which is rpm's default.
    let epoch: [UInt8]
    let version: [UInt8]
    /// nil when the EVR has no release. It then compares as an empty release, which keeps
    /// the order total (rpm's dependency matcher would instead treat it as "any release").
    let release: [UInt8]?

    init?(_ text: String) {
        guard let bytes = VersionText.boundedBytes(text) else { return nil }
        // Only printable ASCII occurs in real EVRs; anything else would be ordered by
        // accident of rpm treating it as a separator, so it is refused.
        guard bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }

        var digitsEnd = 0
        while digitsEnd < bytes.count && VersionText.isDigit(bytes[digitsEnd]) { digitsEnd += 1 }
        var versionStart = 0
        var epoch: ArraySlice<UInt8> = []
        if digitsEnd < bytes.count && bytes[digitsEnd] == UInt8(ascii: ":") {
            epoch = VersionText.strippingZeros(bytes[..<digitsEnd])
            versionStart = digitsEnd + 1
        }
        var versionEnd = bytes.count
        var release: [UInt8]?
        if let hyphen = bytes[versionStart...].lastIndex(of: UInt8(ascii: "-")) {
            versionEnd = hyphen
            let rest = bytes[(hyphen + 1)...]
            guard !rest.isEmpty else { return nil }
            release = Array(rest)
        }
        guard versionEnd > versionStart else { return nil }
        self.epoch = Array(epoch)
        self.version = Array(bytes[versionStart..<versionEnd])
        self.release = release
    }

    static func compare(_ a: RpmVersion, _ b: RpmVersion) -> Int {
        let byEpoch = VersionText.compareNumbers(a.epoch, b.epoch)
        if byEpoch != 0 { return byEpoch }
        let byVersion = rpmvercmp(a.version, b.version)
        if byVersion != 0 { return byVersion }
        return rpmvercmp(a.release ?? [], b.release ?? [])
    }

    static func < (a: RpmVersion, b: RpmVersion) -> Bool { compare(a, b) < 0 }
    static func == (a: RpmVersion, b: RpmVersion) -> Bool { compare(a, b) == 0 }

    /// rpm's `rpmvercmp`, over bytes, with digit runs of any length.
    static func rpmvercmp(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a == b { return 0 }
        let tilde = UInt8(ascii: "~"), caret = UInt8(ascii: "^")
        func at(_ s: [UInt8], _ k: Int) -> UInt8 { k < s.count ? s[k] : 0 }
        func isSeparator(_ byte: UInt8) -> Bool {
            !VersionText.isAlphanumeric(byte) && byte != tilde && byte != caret
        }
        var i = 0, j = 0
        while i < a.count || j < b.count {
            while i < a.count && isSeparator(a[i]) { i += 1 }
            while j < b.count && isSeparator(b[j]) { j += 1 }

            // `~` sorts before everything, even the end of the version.
            if at(a, i) == tilde || at(b, j) == tilde {
                if at(a, i) != tilde { return 1 }
                if at(b, j) != tilde { return -1 }
                i += 1
                j += 1
                continue
            }
            // `^` sorts after the end of the version but before any further segment.
            if at(a, i) == caret || at(b, j) == caret {
                if i >= a.count { return -1 }
                if j >= b.count { return 1 }
                if a[i] != caret { return 1 }
                if b[j] != caret { return -1 }
                i += 1
                j += 1
                continue
            }
            if i >= a.count || j >= b.count { break }

            let numeric = VersionText.isDigit(a[i])
            func inSegment(_ byte: UInt8) -> Bool {
                numeric ? VersionText.isDigit(byte) : VersionText.isAlpha(byte)
            }
            var endA = i, endB = j
            while endA < a.count && inSegment(a[endA]) { endA += 1 }
            while endB < b.count && inSegment(b[endB]) { endB += 1 }
            // Segments of different types: the numeric one is newer.
            if endB == j { return numeric ? 1 : -1 }
            let result = numeric
                ? VersionText.compareNumbers(a[i..<endA], b[j..<endB])
                : VersionText.compareBytes(a[i..<endA], b[j..<endB])
            if result != 0 { return result }
            i = endA
            j = endB
        }
        if i >= a.count && j >= b.count { return 0 }
        return i >= a.count ? -1 : 1
    }
}
