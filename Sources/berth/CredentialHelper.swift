import ArgumentParser
import Foundation

struct CredentialHelperCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "credential-helper",
        abstract: "A docker credential helper: get, store, erase or list (the docker-credential-helpers protocol).",
        discussion: """
            Link the binary as docker-credential-berth on the PATH and name it in docker's config \
            ("credHelpers": {"registry.example": "berth"}). Credentials are kept in \
            $XDG_CONFIG_HOME/berth/credentials.json (~/.config by default), readable by you alone.
            """)

    @Argument(help: "get, store, erase or list")
    var action: String

    func run() throws {
        let status = CredentialHelper.run([action])
        if status != 0 { throw ExitCode(status) }
    }
}

/// The docker-credential-helpers protocol over standard input and output:
/// `store` reads `{"ServerURL", "Username", "Secret"}`, `get` and `erase`
/// read a server URL, `list` prints `{"<server>": "<username>"}`. A server
/// is matched with or without its scheme and trailing slash.
enum CredentialHelper {
    static let installedName = "docker-credential-berth"

    struct Entry: Codable {
        var ServerURL: String?
        var Username: String
        var Secret: String
    }

    static func run(_ arguments: [String]) -> Int32 {
        do {
            // One helper at a time changes the file: two `store`s at once must not lose one.
            let lock = try Self.lock()
            defer { close(lock) }
            switch arguments.first {
            case "store":
                let entry = try JSONDecoder().decode(Entry.self, from: input())
                guard let server = entry.ServerURL.map(key), !server.isEmpty else { throw HelperError("store needs a ServerURL") }
                var stored = try load()
                stored[server] = Entry(ServerURL: entry.ServerURL, Username: entry.Username, Secret: entry.Secret)
                try save(stored)
            case "get":
                let server = key(String(decoding: try input(), as: UTF8.self))
                guard let entry = try load()[server] else { throw HelperError("credentials not found in native keychain") }
                try output(Entry(ServerURL: entry.ServerURL ?? server, Username: entry.Username, Secret: entry.Secret))
            case "erase":
                var stored = try load()
                guard stored.removeValue(forKey: key(String(decoding: try input(), as: UTF8.self))) != nil else {
                    throw HelperError("credentials not found in native keychain")
                }
                try save(stored)
            case "list":
                try output(Dictionary(try load().map { ($0.value.ServerURL ?? $0.key, $0.value.Username) }, uniquingKeysWith: { first, _ in first }))
            default:
                throw HelperError("usage: \(installedName) get|store|erase|list")
            }
            return 0
        } catch {
            // The protocol's errors go to standard output, as the reference helpers write them.
            print(error is HelperError ? "\(error)" : "\(installedName): \(error)")
            return 1
        }
    }

    /// `https://registry.example:5000/` and `registry.example:5000` are one server.
    static func key(_ url: String) -> String {
        var server = url.trimmingCharacters(in: .whitespacesAndNewlines)
        for scheme in ["https://", "http://"] where server.lowercased().hasPrefix(scheme) { server.removeFirst(scheme.count) }
        while server.hasSuffix("/") { server.removeLast() }
        return server.lowercased()
    }

    static var file: String {
        let environment = ProcessInfo.processInfo.environment
        let base = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory() + "/.config"
        return base + "/berth/credentials.json"
    }

    static func load() throws -> [String: Entry] {
        guard let data = FileManager.default.contents(atPath: file) else { return [:] }
        return try JSONDecoder().decode([String: Entry].self, from: data)
    }

    /// Written whole to a file only its owner can read, then renamed over the old one.
    static func save(_ entries: [String: Entry]) throws {
        let folder = (file as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(entries)
        let temporary = file + ".\(getpid()).tmp"
        // Created anew, 0600, never readable by others for a moment, and not through a link.
        unlink(temporary)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else { throw HelperError("cannot write \(temporary)") }
        let written = data.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard written == data.count, synced, rename(temporary, file) == 0 else {
            unlink(temporary)
            throw HelperError("cannot replace \(file)")
        }
    }

    /// An exclusive lock on `credentials.json.lock`, held until the descriptor is closed.
    static func lock() throws -> Int32 {
        let folder = (file as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let descriptor = open(file + ".lock", O_RDWR | O_CREAT | O_NOFOLLOW, 0o600)
        guard descriptor >= 0, flock(descriptor, LOCK_EX) == 0 else { throw HelperError("cannot lock \(file).lock") }
        return descriptor
    }

    static func input() throws -> Data {
        let data = FileHandle.standardInput.readDataToEndOfFile()
        guard data.count <= 1 << 20 else { throw HelperError("the input is larger than 1 MiB") }
        return data
    }

    static func output(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        FileHandle.standardOutput.write(try encoder.encode(value))
        FileHandle.standardOutput.write(Data("\n".utf8))
    }

    struct HelperError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
