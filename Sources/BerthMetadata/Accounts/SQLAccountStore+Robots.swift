import Foundation

extension SQLAccountStore {
    public func robot(named name: String) async throws -> Robot? {
        try await backend.read { db in try Self.robot(db, named: name) }
    }

    public func robots(of project: String?) async throws -> [Robot] {
        try await backend.read { db in
            let rows = if let project {
                try db.rows("SELECT name FROM robots WHERE project = ? ORDER BY name", .text(project))
            } else {
                try db.rows("SELECT name FROM robots WHERE project IS NULL ORDER BY name")
            }
            return try rows.compactMap { try Self.robot(db, named: try $0.text("name")) }
        }
    }

    public func createRobot(_ robot: Robot) async throws {
        try await backend.transaction(durable: true) { db in
            guard try db.row("SELECT name FROM robots WHERE name = ?", .text(robot.name)) == nil else { throw AccountStoreError.exists }
            try db.execute(
                "INSERT INTO robots (name, project, secret_hash, expires_at, disabled, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                .text(robot.name), .text(robot.project), .text(robot.secretHash),
                robot.expiresAt.map { .time($0) } ?? .null, .integer(robot.isDisabled ? 1 : 0),
                .time(robot.createdAt))
            try Self.writePermissions(db, robot)
        }
    }

    public func updateRobot(_ robot: Robot) async throws -> Bool {
        try await backend.transaction(durable: true) { db in
            guard try db.row("SELECT name FROM robots WHERE name = ?", .text(robot.name)) != nil else { return false }
            try db.execute(
                "UPDATE robots SET secret_hash = ?, expires_at = ?, disabled = ? WHERE name = ?",
                .text(robot.secretHash), robot.expiresAt.map { .time($0) } ?? .null,
                .integer(robot.isDisabled ? 1 : 0), .text(robot.name))
            try db.execute("DELETE FROM robot_permissions WHERE robot = ?", .text(robot.name))
            try Self.writePermissions(db, robot)
            return true
        }
    }

    public func deleteRobot(named name: String) async throws -> Bool {
        try await backend.transaction(durable: true) { db in
            guard try db.row("SELECT name FROM robots WHERE name = ?", .text(name)) != nil else { return false }
            try db.execute("DELETE FROM robot_permissions WHERE robot = ?", .text(name))
            try db.execute("DELETE FROM robots WHERE name = ?", .text(name))
            return true
        }
    }

    private static func writePermissions(_ db: any SQLSession, _ robot: Robot) throws {
        for (project, actions) in robot.permissions {
            for action in actions {
                try db.execute(
                    "INSERT INTO robot_permissions (robot, project, action) VALUES (?, ?, ?)", .text(robot.name), .text(project), .text(action))
            }
        }
    }

    private static func robot(_ db: any SQLSession, named name: String) throws -> Robot? {
        guard let row = try db.row("SELECT * FROM robots WHERE name = ?", .text(name)) else { return nil }
        var permissions: [String: Set<String>] = [:]
        for entry in try db.rows("SELECT project, action FROM robot_permissions WHERE robot = ?", .text(name)) {
            permissions[try entry.text("project"), default: []].insert(try entry.text("action"))
        }
        return Robot(
            name: try row.text("name"), project: try row.optionalText("project"), secretHash: try row.text("secret_hash"),
            permissions: permissions, expiresAt: try row.optionalInteger("expires_at").map { Date(millisSince1970: $0) }, isDisabled: try row.integer("disabled") != 0,
            createdAt: try row.time("created_at"))
    }
}
