/// An Alpine package version, ordered as apk-tools orders it.
///
/// Alpine, Wolfi and Chainguard advisories use apk's grammar,
/// `digits{.digits}[letter]{_suffix[digits]}[~hash][-rN]`, and apk's token-by-token order,
/// which differs from dpkg and rpm: `_rc1 < release < -r1 < _p1`, because a suffix token
/// outranks a revision token when the two versions first differ in token kind. This is a
/// port of apk-tools' `version.c` (tokenizer, `token_cmp` and the tail rules).
struct ApkVersion: Comparable, Sendable {
    /// Token kinds in apk's declaration order; the order itself decides comparisons of
    /// versions that differ in kind at the first differing token.
    enum Kind: Int, Sendable {
        case initialDigit, digit, letter, suffix, suffixNumber, commitHash, revision, end
    }

    /// Suffix ranks in apk's order; `none` is the pivot between pre- and post-release.
    enum Suffix: Int, Sendable {
        case alpha, beta, pre, rc, none, cvs, svn, git, hg, p
    }

    struct Token: Sendable {
        let kind: Kind
        let text: [UInt8]
        let suffix: Suffix
    }

    let tokens: [Token]

    init?(_ text: String) {
        guard let bytes = VersionText.boundedBytes(text) else { return nil }
        var tokens: [Token] = []
        var pos = 0

        func digits() -> [UInt8]? {
            let start = pos
            while pos < bytes.count && VersionText.isDigit(bytes[pos]) { pos += 1 }
            return pos > start ? Array(bytes[start..<pos]) : nil
        }

        guard let first = digits() else { return nil }
        tokens.append(Token(kind: .initialDigit, text: first, suffix: .none))
        var last = Kind.initialDigit

        while pos < bytes.count {
            let byte = bytes[pos]
            let token: Token
            if VersionText.isLower(byte) {
                guard last.rawValue <= Kind.digit.rawValue else { return nil }
                pos += 1
                token = Token(kind: .letter, text: [byte], suffix: .none)
            } else if byte == UInt8(ascii: ".") || VersionText.isDigit(byte) {
                if byte == UInt8(ascii: ".") {
                    guard last.rawValue <= Kind.digit.rawValue else { return nil }
                    pos += 1
                }
                let kind: Kind
                switch last {
                case .initialDigit, .digit: kind = .digit
                case .suffix: kind = .suffixNumber
                default: return nil
                }
                guard let run = digits() else { return nil }
                token = Token(kind: kind, text: run, suffix: .none)
            } else if byte == UInt8(ascii: "_") {
                guard last.rawValue <= Kind.suffixNumber.rawValue else { return nil }
                pos += 1
                let start = pos
                while pos < bytes.count && VersionText.isLower(bytes[pos]) { pos += 1 }
                let name = Array(bytes[start..<pos])
                guard let suffix = Self.suffix(named: name) else { return nil }
                token = Token(kind: .suffix, text: name, suffix: suffix)
            } else if byte == UInt8(ascii: "~") {
                guard last.rawValue < Kind.commitHash.rawValue else { return nil }
                pos += 1
                let start = pos
                while pos < bytes.count && Self.isHexDigit(bytes[pos]) { pos += 1 }
                guard pos > start else { return nil }
                token = Token(kind: .commitHash, text: Array(bytes[start..<pos]), suffix: .none)
            } else if byte == UInt8(ascii: "-") {
                guard last.rawValue < Kind.revision.rawValue,
                      pos + 1 < bytes.count, bytes[pos + 1] == UInt8(ascii: "r") else { return nil }
                pos += 2
                guard let run = digits() else { return nil }
                token = Token(kind: .revision, text: run, suffix: .none)
            } else {
                return nil
            }
            tokens.append(token)
            last = token.kind
        }
        self.tokens = tokens
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        VersionText.isDigit(byte) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
    }

    private static func suffix(named name: [UInt8]) -> Suffix? {
        switch String(decoding: name, as: UTF8.self) {
        case "alpha": return .alpha
        case "beta": return .beta
        case "pre": return .pre
        case "rc": return .rc
        case "cvs": return .cvs
        case "svn": return .svn
        case "git": return .git
        case "hg": return .hg
        case "p": return .p
        default: return nil
        }
    }

    /// apk's `token_cmp` for two tokens of the same kind.
    private static func compareTokens(_ a: Token, _ b: Token) -> Int {
        switch a.kind {
        case .digit:
            // apk follows Gentoo here: a component with a leading zero compares as text,
            // so 1.01 < 1.1 and 1.010 > 1.01.
            if a.text.first == UInt8(ascii: "0") || b.text.first == UInt8(ascii: "0") {
                return VersionText.compareBytes(a.text, b.text)
            }
            return VersionText.compareNumbers(a.text, b.text)
        case .initialDigit, .suffixNumber, .revision:
            return VersionText.compareNumbers(a.text, b.text)
        case .letter:
            return VersionText.compareBytes(a.text, b.text)
        case .suffix:
            return VersionText.sign(a.suffix.rawValue - b.suffix.rawValue)
        case .commitHash, .end:
            return VersionText.compareBytes(a.text, b.text)
        }
    }

    static func compare(_ a: ApkVersion, _ b: ApkVersion) -> Int {
        let end = Token(kind: .end, text: [], suffix: .none)
        var index = 0
        var ta = a.tokens.first ?? end
        var tb = b.tokens.first ?? end
        while ta.kind == tb.kind && ta.kind != .end {
            let result = compareTokens(ta, tb)
            if result != 0 { return result }
            index += 1
            ta = index < a.tokens.count ? a.tokens[index] : end
            tb = index < b.tokens.count ? b.tokens[index] : end
        }
        if ta.kind == tb.kind { return 0 }
        // The first token where the kinds differ decides: a pre-release suffix loses to
        // anything, otherwise the version whose token kind comes earlier is the newer one.
        if ta.kind == .suffix && ta.suffix.rawValue < Suffix.none.rawValue { return -1 }
        if tb.kind == .suffix && tb.suffix.rawValue < Suffix.none.rawValue { return 1 }
        return ta.kind.rawValue > tb.kind.rawValue ? -1 : 1
    }

    static func < (a: ApkVersion, b: ApkVersion) -> Bool { compare(a, b) < 0 }
    static func == (a: ApkVersion, b: ApkVersion) -> Bool { compare(a, b) == 0 }
}
