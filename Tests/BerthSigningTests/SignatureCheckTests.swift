import Crypto
import Foundation
import SwiftASN1
import Testing
import X509
import _CryptoExtras

@testable import BerthSigning

/// Every key type a policy accepts, in the encodings cosign and JWS use.
@Suite("Signature checks by key type")
struct SignatureCheckTests {
    static let message = Array("the payload".utf8)
    static let other = Array("another payload".utf8)

    static func pem(_ key: Certificate.PublicKey) throws -> String { try key.serializeAsPEM().pemString }

    @Test func ecdsaKeysVerifyDERForCosignAndRawForJWS() throws {
        let p256 = P256.Signing.PrivateKey()
        let key = Certificate.PublicKey(p256.publicKey)
        let signature = try p256.signature(for: Self.message)
        #expect(SignatureCheck.verifies(Array(signature.derRepresentation), over: Self.message, with: key))
        #expect(!SignatureCheck.verifies(Array(signature.derRepresentation), over: Self.other, with: key))
        #expect(SignatureCheck.verifies(Array(signature.rawRepresentation), over: Self.message, with: key, jws: "ES256"))
        #expect(!SignatureCheck.verifies(Array(signature.rawRepresentation), over: Self.message, with: key, jws: "ES384"))

        let p384 = P384.Signing.PrivateKey()
        let signature384 = try p384.signature(for: Self.message)
        #expect(SignatureCheck.verifies(Array(signature384.derRepresentation), over: Self.message, with: .init(p384.publicKey)))
        #expect(SignatureCheck.verifies(Array(signature384.rawRepresentation), over: Self.message, with: .init(p384.publicKey), jws: "ES384"))
        let p521 = P521.Signing.PrivateKey()
        #expect(SignatureCheck.verifies(
            Array(try p521.signature(for: Self.message).rawRepresentation), over: Self.message, with: .init(p521.publicKey), jws: "ES512"))
        #expect(!SignatureCheck.verifies(Array(signature.derRepresentation), over: Self.message, with: .init(p384.publicKey)))
    }

    @Test func ed25519AndRSAKeys() throws {
        let ed = Curve25519.Signing.PrivateKey()
        let edSignature = Array(try ed.signature(for: Self.message))
        #expect(SignatureCheck.verifies(edSignature, over: Self.message, with: .init(ed.publicKey)))
        #expect(SignatureCheck.verifies(edSignature, over: Self.message, with: .init(ed.publicKey), jws: "EdDSA"))
        #expect(!SignatureCheck.verifies(edSignature, over: Self.other, with: .init(ed.publicKey)))

        let rsa = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let key = Certificate.PublicKey(rsa.publicKey)
        let pkcs1 = try rsa.signature(for: SHA256.hash(data: Self.message), padding: .insecurePKCS1v1_5).rawRepresentation
        let pss = try rsa.signature(for: SHA256.hash(data: Self.message), padding: .PSS).rawRepresentation
        let pss384 = try rsa.signature(for: SHA384.hash(data: Self.message), padding: .PSS).rawRepresentation
        #expect(SignatureCheck.verifies(Array(pkcs1), over: Self.message, with: key), "cosign: PKCS#1 v1.5")
        #expect(SignatureCheck.verifies(Array(pss), over: Self.message, with: key), "cosign: PSS")
        #expect(SignatureCheck.verifies(Array(pkcs1), over: Self.message, with: key, jws: "RS256"))
        #expect(!SignatureCheck.verifies(Array(pkcs1), over: Self.message, with: key, jws: "PS256"))
        #expect(SignatureCheck.verifies(Array(pss), over: Self.message, with: key, jws: "PS256"))
        #expect(SignatureCheck.verifies(Array(pss384), over: Self.message, with: key, jws: "PS384"))
        #expect(!SignatureCheck.verifies(Array(pss), over: Self.other, with: key, jws: "PS256"))
        #expect(!SignatureCheck.verifies(Array(pss), over: Self.message, with: key, jws: "none"))
    }

    @Test func policiesParseTheirKeysAndNameWhatIsWrong() throws {
        let keys = [
            try Self.pem(.init(P256.Signing.PrivateKey().publicKey)), try Self.pem(.init(P384.Signing.PrivateKey().publicKey)),
            try Self.pem(.init(Curve25519.Signing.PrivateKey().publicKey)),
            try Self.pem(.init(try _RSA.Signing.PrivateKey(keySize: .bits2048).publicKey)),
        ]
        let policy = SigningPolicy(keys: keys.enumerated().map { .init(name: "k\($0.offset)", publicKey: $0.element) }, requireTrusted: true)
        #expect(policy.problem == nil)
        #expect(TrustAnchors(policy, text: "x").keys.count == 4)
        #expect(SigningPolicy(keys: [.init(name: "a", publicKey: keys[0]), .init(name: "a", publicKey: keys[1])]).problem?.contains("name") == true)
        #expect(SigningPolicy(keys: [.init(name: "bad", publicKey: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----")]).problem?.contains("bad") == true)
        #expect(SigningPolicy(certificates: [.init(name: "ca", certificate: keys[0])]).problem?.contains("certificate ca") == true)
        #expect(SigningPolicy(requireTrusted: true).problem != nil)
        #expect(SigningPolicy(keys: [.init(name: "a", publicKey: keys[0])], repositories: ["["]).problem != nil)
        #expect(SigningPolicy(repositories: ["app", "sub/*"]).covers("sub/x") && !SigningPolicy(repositories: ["app"]).covers("other"))
    }

    @Test func dssePreAuthenticationEncoding() {
        // The example of the DSSE specification.
        let pae = SigstoreBundle.preAuthenticationEncoding(type: "http://example.com/HelloWorld", payload: Array("hello world".utf8))
        #expect(String(decoding: pae, as: UTF8.self) == "DSSEv1 29 http://example.com/HelloWorld 11 hello world")
    }
}
