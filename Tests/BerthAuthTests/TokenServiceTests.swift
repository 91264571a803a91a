import BerthAuth
import Crypto
import Foundation
import Testing

@Suite("Tokens: ES256 JWTs and what verification refuses")
struct TokenServiceTests {
    let key = P256.Signing.PrivateKey()
    var service: TokenService { TokenService(key: key, issuer: "berth", service: "registry.test", lifetime: 300) }
    let access = [AccessEntry(type: "repository", name: "team/app", actions: ["pull", "push"])]

    static func base64url(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    @Test func issuedTokensVerify() throws {
        let token = try service.issue(subject: "alice", access: access)
        let claims = try service.verify(token)
        #expect(claims.sub == "alice")
        #expect(claims.aud == "registry.test")
        #expect(claims.iss == "berth")
        #expect(claims.access == access)
        #expect(claims.exp - claims.iat == 300)
    }

    @Test func refusals() throws {
        let token = try service.issue(subject: "alice", access: access)
        let parts = token.split(separator: ".").map(String.init)

        // alg: none, with and without a signature.
        let none = Self.base64url(Array(#"{"alg":"none","typ":"JWT"}"#.utf8))
        #expect(throws: TokenError.algorithm("none")) { try service.verify("\(none).\(parts[1]).") }
        #expect(throws: TokenError.algorithm("none")) { try service.verify("\(none).\(parts[1]).\(parts[2])") }

        // Algorithm confusion: an HMAC "signed" with the public key.
        let hs = Self.base64url(Array(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        let mac = HMAC<SHA256>.authenticationCode(
            for: Data("\(hs).\(parts[1])".utf8), using: SymmetricKey(data: key.publicKey.derRepresentation))
        #expect(throws: TokenError.algorithm("HS256")) { try service.verify("\(hs).\(parts[1]).\(Self.base64url(Array(mac)))") }

        // A payload granting more, under the original signature.
        let forged = Self.base64url(Array(String(decoding: Data(base64Encoded: parts[1].padded)!, as: UTF8.self)
            .replacingOccurrences(of: "\"pull\",\"push\"", with: "\"pull\",\"push\",\"delete\"").utf8))
        #expect(throws: TokenError.signature) { try service.verify("\(parts[0]).\(forged).\(parts[2])") }

        // Another key, another audience, another issuer, expired, not yet valid.
        let stranger = TokenService(key: P256.Signing.PrivateKey(), issuer: "berth", service: "registry.test", lifetime: 300)
        #expect(throws: TokenError.signature) { try service.verify(try stranger.issue(subject: "alice", access: access)) }
        let otherAudience = TokenService(key: key, issuer: "berth", service: "elsewhere", lifetime: 300)
        #expect(throws: TokenError.audience) { try service.verify(try otherAudience.issue(subject: "a", access: access)) }
        let otherIssuer = TokenService(key: key, issuer: "mallory", service: "registry.test", lifetime: 300)
        #expect(throws: TokenError.issuer) { try service.verify(try otherIssuer.issue(subject: "a", access: access)) }
        let old = try service.issue(subject: "alice", access: access, now: Date().addingTimeInterval(-3600))
        #expect(throws: TokenError.expired) { try service.verify(old) }
        let future = try service.issue(subject: "alice", access: access, now: Date().addingTimeInterval(3600))
        #expect(throws: TokenError.notYetValid) { try service.verify(future) }
        for junk in ["", "a.b", "a.b.c.d", "!!!.???.***", String(repeating: "x", count: 20_000)] {
            #expect(throws: TokenError.self) { try service.verify(junk) }
        }
    }

    @Test func keyIsCreatedOnceWithPrivateMode() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("key-\(UUID().uuidString).pem").path
        let first = try TokenService.loadOrCreateKey(at: path)
        let second = try TokenService.loadOrCreateKey(at: path)
        #expect(first.rawRepresentation == second.rawRepresentation)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }
}

extension String {
    /// Base64url to padded standard base64.
    var padded: String {
        var s = replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        return s
    }
}
