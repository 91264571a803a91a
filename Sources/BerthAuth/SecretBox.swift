import Crypto
import Foundation

/// Seals secrets the registry must keep but never show (upstream
/// registries' passwords) with AES-256-GCM. The key is `secret_key` from
/// the configuration (the same on every node sharing a database), else a
/// random one kept in the data folder (mode 0600). Each sealed value is
/// `v1.` + base64 of nonce, ciphertext and tag.
public struct SecretBox: Sendable {
    private let key: SymmetricKey

    /// The key derived from a configured secret (SHA-256 of its text).
    public init(secret: String) {
        key = SymmetricKey(data: SHA256.hash(data: Data(secret.utf8)))
    }

    /// The key kept at `path`, created when missing.
    public init(keyFile path: String) throws {
        if let text = try? String(contentsOfFile: path, encoding: .utf8),
           let bytes = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), bytes.count == 32
        {
            key = SymmetricKey(data: bytes)
            return
        }
        // A key file that is there but unreadable is never replaced: what it sealed would be lost.
        guard !FileManager.default.fileExists(atPath: path) else {
            throw SecretBoxError("\(path) does not hold a key (32 bytes, base64): fix or restore it, or set secret_key")
        }
        let created = SymmetricKey(size: .bits256)
        let text = created.withUnsafeBytes { Data($0).base64EncodedString() } + "\n"
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown)
        }
        key = created
    }

    public func seal(_ secret: String) throws -> String {
        let box = try AES.GCM.seal(Data(secret.utf8), using: key)
        guard let combined = box.combined else { throw SecretBoxError("sealing failed") }
        return "v1." + combined.base64EncodedString()
    }

    /// Throws when the value was sealed with another key (a node whose
    /// `secret_key` differs) or is damaged.
    public func open(_ sealed: String) throws -> String {
        guard sealed.hasPrefix("v1."), let combined = Data(base64Encoded: String(sealed.dropFirst(3))),
              let box = try? AES.GCM.SealedBox(combined: combined),
              let plain = try? AES.GCM.open(box, using: key), let text = String(data: plain, encoding: .utf8)
        else { throw SecretBoxError("a stored secret cannot be opened with this node's key: set the same secret_key on every node") }
        return text
    }
}

public struct SecretBoxError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
