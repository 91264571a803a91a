import Foundation

extension SQLAccountStore {
    public func federationRules() async throws -> [FederationRule] {
        try await backend.read { db in try db.rows("SELECT rule FROM federation_rules ORDER BY name").map(Self.federationRule) }
    }

    public func federationRules(issuer: String) async throws -> [FederationRule] {
        try await backend.read { db in
            try db.rows("SELECT rule FROM federation_rules WHERE issuer = ? ORDER BY name", .text(issuer)).map(Self.federationRule)
        }
    }

    public func createFederationRule(_ rule: FederationRule) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let text = String(decoding: try encoder.encode(rule), as: UTF8.self)
        try await backend.transaction(durable: true) { db in
            guard try db.row("SELECT name FROM federation_rules WHERE name = ?", .text(rule.name)) == nil else { throw AccountStoreError.exists }
            try db.execute(
                "INSERT INTO federation_rules (name, issuer, rule, created_at) VALUES (?, ?, ?, ?)",
                .text(rule.name), .text(rule.issuer), .text(text), .time(Date()))
        }
    }

    public func deleteFederationRule(named name: String) async throws -> Bool {
        try await backend.transaction(durable: true) { db in
            guard try db.row("SELECT name FROM federation_rules WHERE name = ?", .text(name)) != nil else { return false }
            try db.execute("DELETE FROM federation_rules WHERE name = ?", .text(name))
            return true
        }
    }

    private static func federationRule(_ row: SQLRow) throws -> FederationRule {
        try JSONDecoder().decode(FederationRule.self, from: Data(try row.text("rule").utf8))
    }
}
