import Crypto
import Foundation

/// One grant in a token: `{"type":"repository","name":"team/app","actions":["pull"]}`.
public struct AccessEntry: Codable, Sendable, Equatable {
    public let type: String
    public let name: String
    public let actions: [String]

    public init(type: String, name: String, actions: [String]) {
        self.type = type
        self.name = name
        self.actions = actions
    }
}

/// The claims of a registry token (Docker token authentication spec).
public struct TokenClaims: Codable, Sendable, Equatable {
    public let iss: String
    public let sub: String
    public let aud: String
    public let exp: Int64
    public let nbf: Int64
    public let iat: Int64
    public let jti: String
    public let access: [AccessEntry]
    /// Refresh tokens only: the credential generation they were issued for
    /// (see `TokenService.generation`); a token of an older one is void.
    public let gen: String?
    /// The personal access token (`user/name@created`) it was issued from: void once that is revoked.
    public let pat: String?
    /// The federation rule it was issued by: void once that is deleted.
    public let fed: String?
}

public enum TokenError: Error, Equatable, CustomStringConvertible {
    case malformed
    case algorithm(String)
    case signature
    case issuer
    case audience
    case expired
    case notYetValid
    /// Issued from a personal access token since revoked.
    case revoked

    public var description: String {
        switch self {
        case .malformed: "token is not a JWT"
        case .revoked: "the personal access token this token was issued from is revoked"
        case .algorithm(let alg): "token algorithm \(alg) is not ES256"
        case .signature: "token signature is invalid"
        case .issuer: "token issuer is not this registry"
        case .audience: "token is for another service"
        case .expired: "token has expired"
        case .notYetValid: "token is not valid yet"
        }
    }
}

/// Issues and verifies short-lived ES256 JWTs. Verification accepts ES256
/// only (never `none`, never an HMAC keyed with the public key), this
/// issuer, this audience, and the time window.
public struct TokenService: Sendable {
    private let key: P256.Signing.PrivateKey
    public let issuer: String
    public let service: String
    public let lifetime: TimeInterval
    /// Clock skew tolerated on `exp` and `nbf`.
    static let leeway: Int64 = 30

    public init(key: P256.Signing.PrivateKey, issuer: String, service: String, lifetime: TimeInterval) {
        self.key = key
        self.issuer = issuer
        self.service = service
        self.lifetime = lifetime
    }

    /// Refresh tokens: same key and issuer, a 30-day lifetime and an
    /// audience of their own, so they are never accepted as access tokens.
    public var refreshing: TokenService {
        TokenService(key: key, issuer: issuer, service: service + "#refresh", lifetime: 30 * 86400)
    }

    /// The key in `path` (PEM), created with mode 0600 on first use.
    public static func loadOrCreateKey(at path: String) throws -> P256.Signing.PrivateKey {
        if let pem = try? String(contentsOfFile: path, encoding: .utf8) {
            return try P256.Signing.PrivateKey(pemRepresentation: pem)
        }
        let key = P256.Signing.PrivateKey()
        guard FileManager.default.createFile(
            atPath: path, contents: Data(key.pemRepresentation.utf8), attributes: [.posixPermissions: 0o600])
        else { throw CocoaError(.fileWriteUnknown) }
        return key
    }

    /// A signed token for `subject` (empty for anonymous) granting `access`.
    public func issue(
        subject: String, access: [AccessEntry], generation: String? = nil, personalToken: String? = nil, federationRule: String? = nil,
        lifetime: TimeInterval? = nil, now: Date = Date()
    ) throws -> String {
        let issuedAt = Int64(now.timeIntervalSince1970)
        let claims = TokenClaims(
            iss: issuer, sub: subject, aud: service, exp: issuedAt + Int64(lifetime ?? self.lifetime), nbf: issuedAt, iat: issuedAt,
            jti: UUID().uuidString, access: access, gen: generation, pat: personalToken, fed: federationRule)
        let header = #"{"alg":"ES256","typ":"JWT"}"#
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let input = Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(Array(try encoder.encode(claims)))
        let signature = try key.signature(for: Data(input.utf8))
        return input + "." + Base64URL.encode(Array(signature.rawRepresentation))
    }

    public func verify(_ token: String, now: Date = Date()) throws(TokenError) -> TokenClaims {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, token.utf8.count < 16_384,
              let headerBytes = Base64URL.decode(parts[0]),
              let header = try? JSONSerialization.jsonObject(with: Data(headerBytes)) as? [String: Any],
              let claimsBytes = Base64URL.decode(parts[1]),
              let signatureBytes = Base64URL.decode(parts[2])
        else { throw .malformed }
        let algorithm = header["alg"] as? String ?? "missing"
        guard algorithm == "ES256" else { throw .algorithm(algorithm) }
        guard let signature = try? P256.Signing.ECDSASignature(rawRepresentation: signatureBytes),
              key.publicKey.isValidSignature(signature, for: Data((parts[0] + "." + parts[1]).utf8))
        else { throw .signature }
        guard let claims = try? JSONDecoder().decode(TokenClaims.self, from: Data(claimsBytes)) else { throw .malformed }
        guard claims.iss == issuer else { throw .issuer }
        guard claims.aud == service else { throw .audience }
        let seconds = Int64(now.timeIntervalSince1970)
        guard claims.exp + Self.leeway > seconds else { throw .expired }
        guard claims.nbf - Self.leeway <= seconds else { throw .notYetValid }
        return claims
    }
}

extension TokenService {
    /// A credential's generation: a digest of its stored hash, which a new
    /// password or secret changes (so does deleting and re-creating the
    /// account). It names no secret: the hash is salted and digested again.
    public static func generation(ofCredentialHash hash: String) -> String {
        SHA256.hash(data: Data(hash.utf8)).prefix(12).map { String(format: "%02x", $0) }.joined()
    }
}

/// Base64 with the URL alphabet and no padding, as JWTs use.
enum Base64URL {
    static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: Substring) -> [UInt8]? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64).map { [UInt8]($0) }
    }
}
