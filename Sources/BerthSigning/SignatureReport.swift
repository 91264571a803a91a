import Foundation
import OCI

/// One signature of an artifact, as checked against a project's policy.
public struct SignatureReport: Sendable, Equatable, Codable {
    /// `cosign` or `notation`.
    public let format: String
    /// The signature's own manifest.
    public let digest: Digest
    /// The policy's keys or certificates it verifies against; empty when untrusted.
    public let trustedBy: [String]
    /// Why it is not trusted.
    public let error: String?
    /// When the trust ends (its certificate expires, or its Notation expiry); nil: with its key.
    public let trustedUntil: Date?

    enum CodingKeys: String, CodingKey { case format, digest, trustedBy = "trusted_by", error, trustedUntil = "trusted_until" }

    init(_ format: String, _ digest: Digest, _ outcome: Result<Trust, SignatureProblem>) {
        self.format = format
        self.digest = digest
        switch outcome {
        case .success(let trust) where !trust.names.isEmpty: (trustedBy, error, trustedUntil) = (trust.names, nil, trust.until)
        case .success: (trustedBy, error, trustedUntil) = ([], "no key or certificate of the policy verifies it", nil)
        case .failure(let problem): (trustedBy, error, trustedUntil) = ([], problem.message, nil)
        }
    }
}

/// What an artifact's signatures amount to.
public struct SignatureVerdict: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable {
        case unsigned, untrusted, trusted
    }

    public let status: Status
    public let signatures: [SignatureReport]

    public init(_ signatures: [SignatureReport]) {
        self.signatures = signatures
        status = signatures.isEmpty ? .unsigned : signatures.contains { !$0.trustedBy.isEmpty } ? .trusted : .untrusted
    }

    /// Until when a trusted verdict holds: the last of its trusted
    /// signatures to expire; nil when one of them never does.
    var trustedUntil: Date? {
        let trusted = signatures.filter { !$0.trustedBy.isEmpty }
        if trusted.contains(where: { $0.trustedUntil == nil }) { return nil }
        return trusted.compactMap(\.trustedUntil).max()
    }
}
