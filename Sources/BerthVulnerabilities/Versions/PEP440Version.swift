/// A Python package version, ordered by PEP 440 as `packaging.version.Version` orders it.
///
/// PyPI advisories quote versions as projects published them ("1.0RC1", "v2.0-post1",
/// "1.0.0"), so versions are normalised the way pip does before comparing, and ordered by
/// PEP 440: `1.0.dev1 < 1.0a1 < 1.0 < 1.0+local < 1.0.post1`, with trailing zeros of the
/// release insignificant. The scanner reproduces `packaging`'s regular expression,
/// including its backtracking over optional separators, without using a regex engine.
struct PEP440Version: Comparable, Sendable {
    /// Pre-release phases, normalised (`alpha` = `a`, `beta` = `b`, `c`/`pre`/`preview` = `rc`).
    enum Phase: Int, Sendable { case a, b, rc }

    struct PreRelease: Sendable {
        let phase: Phase
        let number: [UInt8]
    }

    /// A local-version segment; numeric ones sort numerically and above textual ones.
    enum LocalPart: Sendable {
        case number([UInt8])
        case text([UInt8])
    }

    let epoch: [UInt8]
    /// Release components without leading zeros and without trailing zero components.
    let release: [[UInt8]]
    let pre: PreRelease?
    let post: [UInt8]?
    let dev: [UInt8]?
    let local: [LocalPart]?

    init?(_ text: String) {
        guard let raw = VersionText.boundedBytes(text) else { return nil }
        guard let parsed = Scanner(raw).parse() else { return nil }
        self = parsed
    }

    fileprivate init(epoch: [UInt8], release: [[UInt8]], pre: PreRelease?, post: [UInt8]?,
                     dev: [UInt8]?, local: [LocalPart]?) {
        self.epoch = epoch
        var release = release
        while let last = release.last, last.isEmpty { release.removeLast() }
        self.release = release
        self.pre = pre
        self.post = post
        self.dev = dev
        self.local = local
    }

    static func compare(_ a: PEP440Version, _ b: PEP440Version) -> Int {
        var result = VersionText.compareNumbers(a.epoch, b.epoch)
        if result != 0 { return result }
        for k in 0..<max(a.release.count, b.release.count) {
            let x = k < a.release.count ? a.release[k] : []
            let y = k < b.release.count ? b.release[k] : []
            result = VersionText.compareNumbers(x, y)
            if result != 0 { return result }
        }
        result = comparePre(a, b)
        if result != 0 { return result }
        // A missing post-release sorts before any post-release.
        result = compareOptional(a.post, b.post, missingIsLow: true)
        if result != 0 { return result }
        // A missing dev-release sorts after any dev-release.
        result = compareOptional(a.dev, b.dev, missingIsLow: false)
        if result != 0 { return result }
        return compareLocal(a.local, b.local)
    }

    static func < (a: PEP440Version, b: PEP440Version) -> Bool { compare(a, b) < 0 }
    static func == (a: PEP440Version, b: PEP440Version) -> Bool { compare(a, b) == 0 }

    /// Rank of the pre-release slot: a bare dev release (`1.0.dev1`) sorts before every
    /// pre-release of the same release, and a final release after all of them.
    private static func preRank(_ v: PEP440Version) -> Int {
        if v.pre != nil { return 1 }
        return (v.post == nil && v.dev != nil) ? 0 : 2
    }

    private static func comparePre(_ a: PEP440Version, _ b: PEP440Version) -> Int {
        let ra = preRank(a), rb = preRank(b)
        if ra != rb { return ra < rb ? -1 : 1 }
        guard let x = a.pre, let y = b.pre else { return 0 }
        if x.phase != y.phase { return x.phase.rawValue < y.phase.rawValue ? -1 : 1 }
        return VersionText.compareNumbers(x.number, y.number)
    }

    private static func compareOptional(_ a: [UInt8]?, _ b: [UInt8]?, missingIsLow: Bool) -> Int {
        switch (a, b) {
        case (nil, nil): return 0
        case (nil, _): return missingIsLow ? -1 : 1
        case (_, nil): return missingIsLow ? 1 : -1
        case let (x?, y?): return VersionText.compareNumbers(x, y)
        }
    }

    /// No local version sorts first; then segment by segment, a shorter list first.
    private static func compareLocal(_ a: [LocalPart]?, _ b: [LocalPart]?) -> Int {
        guard let a else { return b == nil ? 0 : -1 }
        guard let b else { return 1 }
        for (x, y) in zip(a, b) {
            let result: Int
            switch (x, y) {
            case let (.number(m), .number(n)): result = VersionText.compareNumbers(m, n)
            case let (.text(s), .text(t)): result = VersionText.compareBytes(s, t)
            case (.text, .number): result = -1
            case (.number, .text): result = 1
            }
            if result != 0 { return result }
        }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }
}

/// Matches `packaging`'s `VERSION_PATTERN` (case-insensitive, surrounding whitespace
/// allowed). The optional pre/post/dev groups are tried in the regex engine's preference
/// order so that inputs such as "1.0a--1" parse exactly as `packaging` parses them.
private struct Scanner {
    let bytes: [UInt8]

    init(_ raw: [UInt8]) {
        var start = 0, end = raw.count
        while start < end && VersionText.isWhitespace(raw[start]) { start += 1 }
        while end > start && VersionText.isWhitespace(raw[end - 1]) { end -= 1 }
        bytes = raw[start..<end].map(VersionText.lowercased)
    }

    private struct Candidate<Value> {
        let value: Value?
        let end: Int
    }

    func parse() -> PEP440Version? {
        var pos = 0
        if pos < bytes.count && bytes[pos] == UInt8(ascii: "v") { pos += 1 }

        var epoch: [UInt8] = []
        let epochEnd = digitsEnd(pos)
        if epochEnd > pos && epochEnd < bytes.count && bytes[epochEnd] == UInt8(ascii: "!") {
            epoch = Array(VersionText.strippingZeros(bytes[pos..<epochEnd]))
            pos = epochEnd + 1
        }

        var release: [[UInt8]] = []
        var end = digitsEnd(pos)
        guard end > pos else { return nil }
        release.append(Array(VersionText.strippingZeros(bytes[pos..<end])))
        pos = end
        while pos < bytes.count && bytes[pos] == UInt8(ascii: ".") {
            end = digitsEnd(pos + 1)
            guard end > pos + 1 else { break }
            release.append(Array(VersionText.strippingZeros(bytes[(pos + 1)..<end])))
            pos = end
        }

        for pre in preCandidates(pos) {
            for post in postCandidates(pre.end) {
                for dev in devCandidates(post.end) {
                    guard let local = localToEnd(dev.end) else { continue }
                    return PEP440Version(epoch: epoch, release: release, pre: pre.value,
                                         post: post.value, dev: dev.value, local: local.value)
                }
            }
        }
        return nil
    }

    private func digitsEnd(_ start: Int) -> Int {
        var end = start
        while end < bytes.count && VersionText.isDigit(bytes[end]) { end += 1 }
        return end
    }

    private func isSeparator(_ pos: Int) -> Bool {
        pos < bytes.count && "-_.".utf8.contains(bytes[pos])
    }

    /// `[-_.]?` is greedy: consuming the separator is tried first.
    private func separatorChoices(_ pos: Int) -> [Int] {
        isSeparator(pos) ? [pos + 1, pos] : [pos]
    }

    private func hasWord(_ word: String, at pos: Int) -> Bool {
        let w = Array(word.utf8)
        return pos + w.count <= bytes.count && Array(bytes[pos..<(pos + w.count)]) == w
    }

    /// `sep? label sep? digits?` for each label in the regex's alternation order, then the
    /// group left out. A label with digits right after it never yields a digit-less candidate:
    /// nothing that may follow the group can start with a digit, so the regex would fail there.
    private func labelled<Label>(_ pos: Int, _ labels: [(String, Label)]) -> [Candidate<(Label, [UInt8])>] {
        var found: [Candidate<(Label, [UInt8])>] = []
        for start in separatorChoices(pos) {
            for (word, label) in labels where hasWord(word, at: start) {
                let afterWord = start + word.utf8.count
                for numberStart in separatorChoices(afterWord) {
                    let end = digitsEnd(numberStart)
                    let number = Array(VersionText.strippingZeros(bytes[numberStart..<end]))
                    found.append(Candidate(value: (label, number), end: end))
                }
            }
        }
        found.append(Candidate(value: nil, end: pos))
        return found
    }

    private func preCandidates(_ pos: Int) -> [Candidate<PEP440Version.PreRelease>] {
        let labels: [(String, PEP440Version.Phase)] = [
            ("alpha", .a), ("a", .a), ("beta", .b), ("b", .b),
            ("preview", .rc), ("pre", .rc), ("c", .rc), ("rc", .rc),
        ]
        return labelled(pos, labels).map {
            Candidate(value: $0.value.map { PEP440Version.PreRelease(phase: $0.0, number: $0.1) }, end: $0.end)
        }
    }

    private func postCandidates(_ pos: Int) -> [Candidate<[UInt8]>] {
        var found: [Candidate<[UInt8]>] = []
        // The implicit form `-N` comes first in the alternation.
        if pos < bytes.count && bytes[pos] == UInt8(ascii: "-") {
            let end = digitsEnd(pos + 1)
            if end > pos + 1 {
                found.append(Candidate(value: Array(VersionText.strippingZeros(bytes[(pos + 1)..<end])), end: end))
            }
        }
        let labels: [(String, Int)] = [("post", 0), ("rev", 0), ("r", 0)]
        found += labelled(pos, labels).map { Candidate(value: $0.value?.1, end: $0.end) }
        return found
    }

    private func devCandidates(_ pos: Int) -> [Candidate<[UInt8]>] {
        labelled(pos, [("dev", 0)]).map { Candidate(value: $0.value?.1, end: $0.end) }
    }

    /// `(\+[a-z0-9]+([-_.][a-z0-9]+)*)?$`; the greedy match is the only one that can reach
    /// the end, so no backtracking is needed here. The outer optional is the "no local" case.
    private func localToEnd(_ pos: Int) -> Candidate<[PEP440Version.LocalPart]>? {
        if pos == bytes.count { return Candidate(value: nil, end: pos) }
        guard bytes[pos] == UInt8(ascii: "+") else { return nil }
        var parts: [PEP440Version.LocalPart] = []
        var start = pos + 1
        while true {
            var end = start
            while end < bytes.count && VersionText.isAlphanumeric(bytes[end]) { end += 1 }
            guard end > start else { return nil }
            let part = bytes[start..<end]
            parts.append(part.allSatisfy(VersionText.isDigit)
                ? .number(Array(VersionText.strippingZeros(part)))
                : .text(Array(part)))
            if end == bytes.count { return Candidate(value: parts, end: end) }
            guard isSeparator(end) else { return nil }
            start = end + 1
        }
    }
}
