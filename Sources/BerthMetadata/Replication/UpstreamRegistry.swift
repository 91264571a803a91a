import Foundation

/// Another registry Berth pulls from (a proxy project's upstream) or
/// replicates to: where it is and how to sign in. The password is held
/// sealed (`sealedPassword`); only the node's secret key opens it.
public struct UpstreamRegistry: Sendable, Equatable {
    public let name: String
    /// `https://host[:port]`, or `http://…` for plain HTTP.
    public let url: String
    public let username: String?
    public let sealedPassword: String?
    /// Unverified TLS (and plain HTTP) allowed.
    public let insecure: Bool
    /// A PEM file of certificates to trust instead of the system's.
    public let caFile: String?
    public let createdAt: Date

    public init(name: String, url: String, username: String?, sealedPassword: String?, insecure: Bool, caFile: String?, createdAt: Date) {
        (self.name, self.url, self.username, self.sealedPassword, self.insecure, self.caFile, self.createdAt) =
            (name, url, username, sealedPassword, insecure, caFile, createdAt)
    }

    /// `host[:port]`, as image references name it.
    public var host: String {
        guard let components = URLComponents(string: url), let host = components.host else { return url }
        let bracketed = host.contains(":") ? "[\(host)]" : host
        return bracketed + (components.port.map { ":\($0)" } ?? "")
    }
}

public protocol RegistryStore: Sendable {
    func registries() async throws -> [UpstreamRegistry]
    func registry(named name: String) async throws -> UpstreamRegistry?
    /// Throws `AccountStoreError.exists` when the name is taken.
    func createRegistry(_ registry: UpstreamRegistry) async throws
    /// False when there was none.
    func deleteRegistry(named name: String) async throws -> Bool
}

/// Registries in their own table.
public final class SQLRegistryStore: RegistryStore {
    let backend: any SQLBackend

    init(backend: any SQLBackend) {
        self.backend = backend
    }

    public func registries() async throws -> [UpstreamRegistry] {
        try await backend.read { db in try db.rows("SELECT * FROM registries ORDER BY name").map(Self.registry) }
    }

    public func registry(named name: String) async throws -> UpstreamRegistry? {
        try await backend.read { db in try db.row("SELECT * FROM registries WHERE name = ?", .text(name)).map(Self.registry) }
    }

    public func createRegistry(_ registry: UpstreamRegistry) async throws {
        try await backend.transaction(durable: true) { db in
            guard try db.row("SELECT name FROM registries WHERE name = ?", .text(registry.name)) == nil else { throw AccountStoreError.exists }
            try db.execute(
                "INSERT INTO registries (name, url, username, sealed_password, insecure, ca_file, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                .text(registry.name), .text(registry.url), .text(registry.username), .text(registry.sealedPassword),
                .integer(registry.insecure ? 1 : 0), .text(registry.caFile), .time(registry.createdAt))
        }
    }

    public func deleteRegistry(named name: String) async throws -> Bool {
        try await backend.transaction(durable: true) { db in
            guard try db.row("SELECT name FROM registries WHERE name = ?", .text(name)) != nil else { return false }
            try db.execute("DELETE FROM registries WHERE name = ?", .text(name))
            return true
        }
    }

    private static func registry(_ row: SQLRow) throws -> UpstreamRegistry {
        UpstreamRegistry(
            name: try row.text("name"), url: try row.text("url"), username: try row.optionalText("username"),
            sealedPassword: try row.optionalText("sealed_password"), insecure: try row.integer("insecure") != 0,
            caFile: try row.optionalText("ca_file"), createdAt: Date(millisSince1970: try row.integer("created_at")))
    }
}
