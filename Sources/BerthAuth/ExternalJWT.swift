import Crypto
import Foundation
import _CryptoExtras

/// A JSON Web Token from another issuer (a CI system's OIDC token), split
/// and decoded but not yet trusted: `verify` checks it against the
/// issuer's keys, then `claims` may be believed.
public struct ExternalJWT: Sendable {
    public let algorithm: String
    public let keyID: String?
    public let claims: ExternalClaims
    let signingInput: [UInt8]
    let signature: [UInt8]

    public init(parsing token: String) throws(ExternalJWTError) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard token.utf8.count <= 16_384, parts.count == 3, let header = Base64URL.decode(parts[0]), let payload = Base64URL.decode(parts[1]),
              let signature = Base64URL.decode(parts[2]),
              let headerObject = try? JSONSerialization.jsonObject(with: Data(header)) as? [String: Any],
              let algorithm = headerObject["alg"] as? String,
              let payloadObject = try? JSONDecoder().decode([String: ClaimValue].self, from: Data(payload))
        else { throw .malformed }
        self.algorithm = algorithm
        keyID = headerObject["kid"] as? String
        claims = try ExternalClaims(payloadObject)
        signingInput = Array(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        self.signature = signature
    }

    /// Whether `key` signed it, with the algorithm the token names (RS256 or ES256 only).
    public func isSigned(by key: JSONWebKey) -> Bool {
        switch (algorithm, key.verifier) {
        case ("RS256", .rsa(let rsa)?):
            return rsa.isValidSignature(.init(rawRepresentation: signature), for: SHA256.hash(data: signingInput), padding: .insecurePKCS1v1_5)
        case ("ES256", .p256(let p256)?):
            guard let signature = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return p256.isValidSignature(signature, for: signingInput)
        default:
            return false
        }
    }

    /// Time claims, with `leeway` seconds of clock skew.
    public func checkTimes(now: Date = Date(), leeway: Int64 = 60) throws(ExternalJWTError) {
        let second = Int64(now.timeIntervalSince1970)
        guard let exp = claims.expires else { throw .noExpiry }
        guard exp + leeway > second else { throw .expired }
        if let nbf = claims.notBefore, nbf - leeway > second { throw .notYetValid }
    }
}

/// The claims a federation rule can look at: the registered ones, and
/// every other claim whose value is a string, number or boolean, as text.
public struct ExternalClaims: Sendable, Equatable {
    public let issuer: String
    public let subject: String?
    public let audiences: [String]
    public let expires: Int64?
    public let notBefore: Int64?
    public let values: [String: String]

    init(_ object: [String: ClaimValue]) throws(ExternalJWTError) {
        guard case .text(let issuer)? = object["iss"] else { throw .malformed }
        self.issuer = issuer
        if case .text(let subject)? = object["sub"] { self.subject = subject } else { subject = nil }
        switch object["aud"] {
        case .text(let one)?: audiences = [one]
        case .texts(let many)?: audiences = many
        default: audiences = []
        }
        if case .number(let exp)? = object["exp"], exp.isFinite, abs(exp) < 1e15 { expires = Int64(exp) } else { expires = nil }
        if case .number(let nbf)? = object["nbf"], nbf.isFinite, abs(nbf) < 1e15 { notBefore = Int64(nbf) } else { notBefore = nil }
        values = object.compactMapValues(\.text)
    }
}

/// A claim's value, as far as rules care: text, a number, a flag, a list of texts, or anything else.
enum ClaimValue: Decodable, Sendable {
    case text(String), number(Double), flag(Bool), texts([String]), other

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Bool.self) { self = .flag(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .text(value) }
        else if let value = try? container.decode([String].self) { self = .texts(value) }
        else { self = .other }
    }

    /// As a rule compares it.
    var text: String? {
        switch self {
        case .text(let value): value
        case .flag(let value): value ? "true" : "false"
        case .number(let value): value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        case .texts, .other: nil
        }
    }
}

/// One key of a JWKS document: RSA (`n`, `e`) or EC P-256 (`x`, `y`).
public struct JSONWebKey: Sendable, Decodable {
    public let kty: String
    public let kid: String?
    public let crv: String?
    public let n: String?
    public let e: String?
    public let x: String?
    public let y: String?

    enum Verifier {
        case rsa(_RSA.Signing.PublicKey)
        case p256(P256.Signing.PublicKey)
    }

    var verifier: Verifier? {
        switch kty {
        case "RSA":
            guard let n = n.flatMap({ Base64URL.decode(Substring($0)) }), let e = e.flatMap({ Base64URL.decode(Substring($0)) }),
                  let key = try? _RSA.Signing.PublicKey(n: n, e: e)
            else { return nil }
            return .rsa(key)
        case "EC":
            guard crv == "P-256", let x = x.flatMap({ Base64URL.decode(Substring($0)) }), let y = y.flatMap({ Base64URL.decode(Substring($0)) }),
                  x.count == 32, y.count == 32, let key = try? P256.Signing.PublicKey(x963Representation: [0x04] + x + y)
            else { return nil }
            return .p256(key)
        default:
            return nil
        }
    }
}

public enum ExternalJWTError: Error, Equatable, CustomStringConvertible {
    case malformed, noExpiry, expired, notYetValid

    public var description: String {
        switch self {
        case .malformed: "the token is not a JWT with an issuer"
        case .noExpiry: "the token has no expiry"
        case .expired: "the token expired"
        case .notYetValid: "the token is not valid yet"
        }
    }
}
