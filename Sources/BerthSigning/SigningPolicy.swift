import BerthPolicies
import Crypto
import Foundation
import SwiftASN1
import X509
import _CryptoExtras

/// A project's signing policy (`PUT /api/v1/projects/{p}/signing`): the
/// keys and certificates it trusts, and whether pulls need a trusted
/// signature. Replaced whole.
public struct SigningPolicy: Sendable, Equatable, Codable {
    public struct Key: Sendable, Equatable, Codable {
        public var name: String
        /// PEM `PUBLIC KEY`: ECDSA P-256/P-384/P-521, Ed25519 or RSA (2048 bits and more).
        public var publicKey: String

        enum CodingKeys: String, CodingKey { case name, publicKey = "public_key" }

        public init(name: String, publicKey: String) { (self.name, self.publicKey) = (name, publicKey) }
    }

    public struct TrustedCertificate: Sendable, Equatable, Codable {
        public var name: String
        /// PEM `CERTIFICATE`: a root (or intermediate) that signers' chains end at.
        public var certificate: String

        public init(name: String, certificate: String) { (self.name, self.certificate) = (name, certificate) }
    }

    /// When a multi-platform index counts as trusted.
    public enum IndexPolicy: String, Sendable, Codable {
        /// The index itself carries a trusted signature (its children are trusted through it).
        case index
        /// Or every child manifest does.
        case each
    }

    public var keys: [Key]
    public var certificates: [TrustedCertificate]
    /// Pulls of artifacts without a trusted signature are refused.
    public var requireTrusted: Bool
    public var indexPolicy: IndexPolicy
    /// Repositories (patterns relative to the project) the requirement
    /// covers; nil for all of them.
    public var repositories: [String]?

    public init(
        keys: [Key] = [], certificates: [TrustedCertificate] = [], requireTrusted: Bool = false, indexPolicy: IndexPolicy = .index,
        repositories: [String]? = nil
    ) {
        (self.keys, self.certificates, self.requireTrusted, self.indexPolicy, self.repositories) =
            (keys, certificates, requireTrusted, indexPolicy, repositories)
    }

    enum CodingKeys: String, CodingKey {
        case keys, certificates, requireTrusted = "require_trusted", indexPolicy = "index_policy", repositories
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        keys = try c.decodeIfPresent([Key].self, forKey: .keys) ?? []
        certificates = try c.decodeIfPresent([TrustedCertificate].self, forKey: .certificates) ?? []
        requireTrusted = try c.decodeIfPresent(Bool.self, forKey: .requireTrusted) ?? false
        indexPolicy = try c.decodeIfPresent(IndexPolicy.self, forKey: .indexPolicy) ?? .index
        repositories = try c.decodeIfPresent([String].self, forKey: .repositories)
    }

    /// A clear message for the first thing wrong, or nil.
    public var problem: String? {
        guard keys.count + certificates.count <= 50 else { return "a policy holds at most 50 keys and certificates" }
        let names = keys.map(\.name) + certificates.map(\.name)
        if let bad = names.first(where: { $0.isEmpty || $0.count > 64 }) { return "'\(bad.prefix(70))': names are 1 to 64 characters" }
        if Set(names).count != names.count { return "each key and certificate needs a name of its own" }
        for key in keys {
            if let problem = TrustAnchors.problem(ofKey: key.publicKey) { return "key \(key.name): \(problem)" }
        }
        for entry in certificates where (try? Certificate(pemEncoded: entry.certificate)) == nil {
            return "certificate \(entry.name): not a PEM certificate"
        }
        for pattern in repositories ?? [] where Glob(pattern) == nil {
            return "repositories: '\(pattern.prefix(60))' is not a pattern of *, **, ? and [classes]"
        }
        if requireTrusted && names.isEmpty { return "require_trusted needs at least one key or certificate" }
        return nil
    }

    /// Whether the requirement covers `path` (the repository inside its project).
    public func covers(_ path: String) -> Bool {
        guard let repositories else { return true }
        return repositories.contains { Glob($0)?.matches(path) ?? false }
    }
}

/// A policy's keys and certificates, parsed once per policy text.
public struct TrustAnchors: Sendable {
    public let keys: [(name: String, key: Certificate.PublicKey)]
    public let certificates: [(name: String, certificate: Certificate)]
    /// Names the policy's text: verdicts computed under other keys are not reused.
    public let fingerprint: String

    public init(_ policy: SigningPolicy, text: String) {
        keys = policy.keys.compactMap { key in (try? Certificate.PublicKey(pemEncoded: key.publicKey)).map { (key.name, $0) } }
        certificates = policy.certificates.compactMap { entry in (try? Certificate(pemEncoded: entry.certificate)).map { (entry.name, $0) } }
        fingerprint = SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func problem(ofKey pem: String) -> String? {
        guard let key = try? Certificate.PublicKey(pemEncoded: pem) else { return "not a PEM public key" }
        if P256.Signing.PublicKey(key) != nil || P384.Signing.PublicKey(key) != nil || P521.Signing.PublicKey(key) != nil
            || Curve25519.Signing.PublicKey(key) != nil || _RSA.Signing.PublicKey(key) != nil
        {
            return nil
        }
        return "only ECDSA (P-256, P-384, P-521), Ed25519 and RSA keys of 2048 bits or more are supported"
    }
}
