import BerthAuth
import Foundation
import Testing

@Suite("Sealed secrets")
struct SecretBoxTests {
    @Test func sealedSecretsOpenOnlyWithTheirKey() throws {
        let folder = NSTemporaryDirectory() + "secretbox-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/secret.key"
        let box = try SecretBox(keyFile: path)
        let sealed = try box.seal("hunter2")
        #expect(sealed.hasPrefix("v1.") && !sealed.contains("hunter2"))
        #expect(try box.seal("hunter2") != sealed, "a fresh nonce each time")
        #expect(try SecretBox(keyFile: path).open(sealed) == "hunter2", "the key file is read back")
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(throws: SecretBoxError.self) { try SecretBox(secret: "another-secret-key").open(sealed) }
        #expect(throws: SecretBoxError.self) { try box.open("v1." + String(sealed.dropFirst(4))) }
        #expect(try SecretBox(secret: "a configured secret").open(SecretBox(secret: "a configured secret").seal("x")) == "x")
        // A damaged key file is refused, never replaced.
        try "not a key".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: SecretBoxError.self) { try SecretBox(keyFile: path) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "not a key")
    }
}
