/// The hash functions Berth verifies content with.
public enum DigestAlgorithm: String, Sendable, Hashable, CaseIterable {
    case sha256
    case sha512

    /// Length of the lowercase hex encoding of a hash.
    public var hexLength: Int {
        switch self {
        case .sha256: 64
        case .sha512: 128
        }
    }
}

/// A content digest such as `sha256:3c3a46…`: the identity of a blob or
/// manifest. Only canonical, registered algorithms with lowercase hex of the
/// right length parse, so two equal digests always name the same bytes.
public struct Digest: Hashable, Sendable, CustomStringConvertible, Comparable {
    public let algorithm: DigestAlgorithm
    /// Lowercase hex of the hash.
    public let hex: String

    /// Parses a digest string; throws `DIGEST_INVALID` naming what is wrong.
    public init(parsing string: String) throws(RegistryError) {
        guard string.utf8.count <= 256, let colon = string.utf8.firstIndex(of: UInt8(ascii: ":")) else {
            throw RegistryError(.digestInvalid, "invalid digest format", detail: ["digest": String(string.prefix(256))])
        }
        let algorithmName = String(string[..<colon])
        let hex = String(string[string.index(after: colon)...])
        guard let algorithm = DigestAlgorithm(rawValue: algorithmName) else {
            throw RegistryError(
                .digestInvalid, "unsupported digest algorithm '\(algorithmName.prefix(32))' (sha256 and sha512 are)",
                detail: ["digest": string])
        }
        guard hex.utf8.count == algorithm.hexLength, hex.utf8.allSatisfy(Self.isLowerHex) else {
            throw RegistryError(
                .digestInvalid, "\(algorithm.rawValue) digest must be \(algorithm.hexLength) lowercase hex characters",
                detail: ["digest": string])
        }
        self.algorithm = algorithm
        self.hex = hex
    }

    /// A digest from a hash already known to be well formed.
    public init(algorithm: DigestAlgorithm, hex: String) {
        precondition(hex.utf8.count == algorithm.hexLength)
        self.algorithm = algorithm
        self.hex = hex
    }

    /// Parses, or returns nil for anything that is not a valid digest.
    public static func parse(_ string: String) -> Digest? {
        try? Digest(parsing: string)
    }

    public var description: String { "\(algorithm.rawValue):\(hex)" }

    public static func < (lhs: Digest, rhs: Digest) -> Bool { lhs.description < rhs.description }

    private static func isLowerHex(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "f"))
    }
}
