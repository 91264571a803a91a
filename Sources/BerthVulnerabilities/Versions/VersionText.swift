/// Shared guards and byte helpers for the version scanners.
///
/// Every version string here comes out of a container image or an advisory feed, so it is
/// attacker-controlled. The helpers exist so that each scanner applies the same bound on input
/// size and never converts a digit run to a fixed-width integer (runs can exceed `Int64`).
enum VersionText {
    /// Real version strings are far shorter; the bound keeps parsing and the recursive Maven
    /// comparison cheap and shallow no matter what an image contains.
    static let maximumLength = 256

    /// Whether `text` is non-empty and at most `maximumLength` Unicode scalars long.
    ///
    /// The byte count is checked first so that a huge string is refused without walking it.
    static func isAcceptable(_ text: String) -> Bool {
        let bytes = text.utf8.count
        if bytes == 0 || bytes > maximumLength * 4 { return false }
        return text.unicodeScalars.count <= maximumLength
    }

    /// The UTF-8 bytes of an acceptable string, or nil; the scanners work on bytes because
    /// every scheme except Maven is defined over ASCII.
    static func boundedBytes(_ text: String) -> [UInt8]? {
        isAcceptable(text) ? Array(text.utf8) : nil
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    static func isLower(_ byte: UInt8) -> Bool { byte >= 0x61 && byte <= 0x7A }
    static func isUpper(_ byte: UInt8) -> Bool { byte >= 0x41 && byte <= 0x5A }
    static func isAlpha(_ byte: UInt8) -> Bool { isLower(byte) || isUpper(byte) }
    static func isAlphanumeric(_ byte: UInt8) -> Bool { isAlpha(byte) || isDigit(byte) }
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }
    static func lowercased(_ byte: UInt8) -> UInt8 { isUpper(byte) ? byte + 0x20 : byte }

    /// A digit run without its leading zeros, so that numeric order becomes length order
    /// followed by byte order. "000" becomes the empty slice, which stands for zero.
    static func strippingZeros(_ digits: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var start = digits.startIndex
        while start < digits.endIndex && digits[start] == 0x30 { start += 1 }
        return digits[start...]
    }

    /// Numeric order of two ASCII digit runs of any length (leading zeros allowed).
    static func compareNumbers(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Int {
        let x = strippingZeros(a), y = strippingZeros(b)
        if x.count != y.count { return x.count < y.count ? -1 : 1 }
        return compareBytes(x, y)
    }

    static func compareNumbers(_ a: [UInt8], _ b: [UInt8]) -> Int {
        compareNumbers(a[...], b[...])
    }

    /// Plain byte-wise lexicographic order (memcmp, then length), the order C tools use.
    static func compareBytes(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Int {
        var i = a.startIndex, j = b.startIndex
        while i < a.endIndex && j < b.endIndex {
            if a[i] != b[j] { return a[i] < b[j] ? -1 : 1 }
            i += 1
            j += 1
        }
        let restA = a.endIndex - i, restB = b.endIndex - j
        return restA == restB ? 0 : (restA < restB ? -1 : 1)
    }

    static func compareBytes(_ a: [UInt8], _ b: [UInt8]) -> Int {
        compareBytes(a[...], b[...])
    }

    /// Clamps any integer to -1, 0 or 1 so every scheme reports the same shape of answer.
    static func sign(_ value: Int) -> Int { value < 0 ? -1 : (value > 0 ? 1 : 0) }
}
