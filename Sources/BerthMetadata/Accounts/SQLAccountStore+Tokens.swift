import Foundation

extension SQLAccountStore {
    public func createPersonalToken(_ token: PersonalToken) async throws {
        let projects = String(decoding: try JSONEncoder().encode(token.projects.mapValues { $0.sorted() }), as: UTF8.self)
        try await backend.transaction(durable: true) { db in
            guard try db.row("SELECT name FROM personal_tokens WHERE user_name = ? AND name = ?", .text(token.user), .text(token.name)) == nil
            else { throw AccountStoreError.exists }
            try db.execute(
                "INSERT INTO personal_tokens (user_name, name, secret_hash, projects, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                .text(token.user), .text(token.name), .text(token.secretHash), .text(projects),
                token.expiresAt.map { .time($0) } ?? .null, .time(token.createdAt))
        }
    }

    public func personalTokens(of user: String) async throws -> [PersonalToken] {
        try await backend.read { db in
            try db.rows("SELECT * FROM personal_tokens WHERE user_name = ? ORDER BY name", .text(user)).map(Self.personalToken)
        }
    }

    public func personalToken(of user: String, secretHash: String) async throws -> PersonalToken? {
        try await backend.read { db in
            try db.row("SELECT * FROM personal_tokens WHERE user_name = ? AND secret_hash = ?", .text(user), .text(secretHash))
                .map(Self.personalToken)
        }
    }

    public func deletePersonalToken(of user: String, named name: String) async throws -> Bool {
        try await backend.transaction(durable: true) { db in
            guard try db.row("SELECT name FROM personal_tokens WHERE user_name = ? AND name = ?", .text(user), .text(name)) != nil
            else { return false }
            try db.execute("DELETE FROM personal_tokens WHERE user_name = ? AND name = ?", .text(user), .text(name))
            return true
        }
    }

    private static func personalToken(_ row: SQLRow) throws -> PersonalToken {
        let projects = try JSONDecoder().decode([String: [String]].self, from: Data(try row.text("projects").utf8))
        return PersonalToken(
            user: try row.text("user_name"), name: try row.text("name"), secretHash: try row.text("secret_hash"),
            projects: projects.mapValues(Set.init), expiresAt: try row.optionalInteger("expires_at").map { Date(millisSince1970: $0) },
            createdAt: Date(millisSince1970: try row.integer("created_at")))
    }
}
