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

    enum CodingKeys: String, CodingKey { case format, digest, trustedBy = "trusted_by", error }

    init(_ format: String, _ digest: Digest, _ outcome: Result<[String], SignatureProblem>) {
        self.format = format
        self.digest = digest
        switch outcome {
        case .success(let names) where !names.isEmpty: (trustedBy, error) = (names, nil)
        case .success: (trustedBy, error) = ([], "no key or certificate of the policy verifies it")
        case .failure(let problem): (trustedBy, error) = ([], problem.message)
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
}
