import Crypto
import Foundation
import Hummingbird
import NIOCore
import ServiceLifecycle
import Synchronization
import _CryptoExtras

/// An OIDC provider written for the tests (no real one runs offline):
/// discovery and a JWKS on loopback, RS256 and ES256 keys that can be
/// rotated, and tokens signed with them.
final class TestOIDCProvider: Sendable {
    enum Key: Sendable {
        case rsa(_RSA.Signing.PrivateKey)
        case ec(P256.Signing.PrivateKey)
    }

    /// kid → key, as the JWKS publishes them; and the port, once bound.
    final class State: Sendable {
        let keys = Mutex<[String: Key]>([:])
        let port = Mutex(0)
    }

    let port: Int
    private let group: ServiceGroup
    private let running: Task<Void, any Error>
    private let state: State
    var issuer: String { "http://127.0.0.1:\(port)" }

    static func start() async throws -> TestOIDCProvider {
        let state = State()
        let first: [String: Key] = ["rsa-1": .rsa(try _RSA.Signing.PrivateKey(keySize: .bits2048)), "ec-1": .ec(P256.Signing.PrivateKey())]
        state.keys.withLock { $0 = first }
        let router = Router()
        router.get("/.well-known/openid-configuration") { _, _ in
            let port = state.port.withLock { $0 }
            return Self.json(["issuer": "http://127.0.0.1:\(port)", "jwks_uri": "http://127.0.0.1:\(port)/jwks"])
        }
        router.get("/jwks") { _, _ in
            let published = try state.keys.withLock { keys in try keys.map { kid, key in try Self.jwk(kid, key) } }
            return Self.json(["keys": published])
        }
        let (port, group, running) = try await LoopbackServer.start(router)
        state.port.withLock { $0 = port }
        return TestOIDCProvider(port: port, group: group, running: running, state: state)
    }

    private init(port: Int, group: ServiceGroup, running: Task<Void, any Error>, state: State) {
        (self.port, self.group, self.running, self.state) = (port, group, running, state)
    }

    /// Replaces every key with a new one of each kind (`rsa-2`, `ec-2`, …).
    func rotate(to generation: Int) throws {
        try state.keys.withLock { $0 = ["rsa-\(generation)": .rsa(try _RSA.Signing.PrivateKey(keySize: .bits2048)), "ec-\(generation)": .ec(P256.Signing.PrivateKey())] }
    }

    /// A token signed with the key `kid` (which must be published), or with a key the JWKS does not hold.
    func token(kid: String, claims: [String: Any], unpublished: Bool = false) throws -> String {
        let key: Key
        if unpublished {
            key = kid.hasPrefix("rsa") ? .rsa(try _RSA.Signing.PrivateKey(keySize: .bits2048)) : .ec(P256.Signing.PrivateKey())
        } else {
            guard let published = state.keys.withLock({ $0[kid] }) else { throw TestFailure("no key \(kid)") }
            key = published
        }
        let alg = if case .rsa = key { "RS256" } else { "ES256" }
        let header = Self.base64URL(Array(try JSONSerialization.data(withJSONObject: ["alg": alg, "kid": kid, "typ": "JWT"])))
        let payload = Self.base64URL(Array(try JSONSerialization.data(withJSONObject: claims)))
        let input = Array((header + "." + payload).utf8)
        let signature: [UInt8] = switch key {
        case .rsa(let rsa): Array(try rsa.signature(for: SHA256.hash(data: input), padding: .insecurePKCS1v1_5).rawRepresentation)
        case .ec(let ec): Array(try ec.signature(for: input).rawRepresentation)
        }
        return header + "." + payload + "." + Self.base64URL(signature)
    }

    /// Claims of a GitHub Actions job, valid for 5 minutes, for `audience`.
    func claims(audience: String = "berth", repository: String = "acme/app", ref: String = "refs/heads/main", issuer: String? = nil) -> [String: Any] {
        let now = Int(Date().timeIntervalSince1970)
        return [
            "iss": issuer ?? self.issuer, "aud": audience, "sub": "repo:\(repository):ref:\(ref)", "repository": repository, "ref": ref,
            "iat": now, "nbf": now - 5, "exp": now + 300,
        ]
    }

    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await running.value
    }

    private static func jwk(_ kid: String, _ key: Key) throws -> [String: String] {
        switch key {
        case .rsa(let rsa):
            let primitives = try rsa.publicKey.getKeyPrimitives()
            return ["kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig", "n": base64URL(Array(primitives.modulus)), "e": base64URL(Array(primitives.publicExponent))]
        case .ec(let ec):
            let point = Array(ec.publicKey.x963Representation)
            return ["kty": "EC", "kid": kid, "alg": "ES256", "crv": "P-256", "x": base64URL(Array(point[1...32])), "y": base64URL(Array(point[33...64]))]
        }
    }

    private static func json(_ object: Any) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
