import Foundation

/// `AccountStore` over the same `SQLBackend` (and database) as the metadata.
public final class SQLAccountStore: AccountStore {
    let backend: any SQLBackend

    /// The schema is migrated by `SQLStores.open`, which must have run on
    /// this database first.
    public init(backend: any SQLBackend) {
        self.backend = backend
    }


    private static func user(_ row: SQLRow) throws -> User {
        User(
            name: try row.text("name"), email: try row.text("email"), passwordHash: try row.text("password_hash"),
            isAdmin: try row.integer("admin") != 0, isDisabled: try row.integer("disabled") != 0,
            createdAt: try row.time("created_at"))
    }

    private static func project(_ row: SQLRow) throws -> Project {
        Project(
            name: try row.text("name"), isPublic: try row.integer("public") != 0, quotaBytes: try row.optionalInteger("quota_bytes"),
            createdAt: try row.time("created_at"))
    }

    // MARK: Users

    public func user(named name: String) async throws -> User? {
        try await backend.read { db in try db.row("SELECT * FROM users WHERE name = ?", .text(name)).map(Self.user) }
    }

    public func users() async throws -> [User] {
        try await backend.read { db in try db.rows("SELECT * FROM users ORDER BY name").map(Self.user) }
    }

    public func createUser(_ user: User) async throws {
        try await backend.transaction(durable: true) { db in
            guard try db.row("SELECT name FROM users WHERE name = ?", .text(user.name)) == nil else { throw AccountStoreError.exists }
            try db.execute(
                "INSERT INTO users (name, email, password_hash, admin, disabled, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                .text(user.name), .text(user.email), .text(user.passwordHash), .integer(user.isAdmin ? 1 : 0),
                .integer(user.isDisabled ? 1 : 0), .time(user.createdAt))
        }
    }

    public func updateUser(_ user: User) async throws -> Bool {
        try await backend.transaction(durable: true) { db in
            guard try db.row("SELECT name FROM users WHERE name = ?", .text(user.name)) != nil else { return false }
            try db.execute(
                "UPDATE users SET email = ?, password_hash = ?, admin = ?, disabled = ? WHERE name = ?",
                .text(user.email), .text(user.passwordHash), .integer(user.isAdmin ? 1 : 0), .integer(user.isDisabled ? 1 : 0),
                .text(user.name))
            return true
        }
    }

    public func deleteUser(named name: String) async throws -> Bool {
        try await backend.transaction(durable: true) { db in
            guard try db.row("SELECT name FROM users WHERE name = ?", .text(name)) != nil else { return false }
            try db.execute("DELETE FROM members WHERE user_name = ?", .text(name))
            try db.execute("DELETE FROM personal_tokens WHERE user_name = ?", .text(name))
            try db.execute("DELETE FROM users WHERE name = ?", .text(name))
            return true
        }
    }

    // MARK: Projects

    public func project(named name: String) async throws -> Project? {
        try await backend.read { db in try db.row("SELECT * FROM projects WHERE name = ?", .text(name)).map(Self.project) }
    }

    public func projects() async throws -> [Project] {
        try await backend.read { db in try db.rows("SELECT * FROM projects ORDER BY name").map(Self.project) }
    }

    public func createProject(_ project: Project) async throws {
        try await backend.transaction(durable: true) { db in
            guard try db.row("SELECT name FROM projects WHERE name = ?", .text(project.name)) == nil else {
                throw AccountStoreError.exists
            }
            try db.execute(
                "INSERT INTO projects (name, public, created_at) VALUES (?, ?, ?)",
                .text(project.name), .integer(project.isPublic ? 1 : 0), .time(project.createdAt))
        }
    }

    public func setProjectVisibility(_ name: String, public isPublic: Bool) async throws -> Bool {
        try await backend.transaction(durable: true) { db in
            guard try db.row("SELECT name FROM projects WHERE name = ?", .text(name)) != nil else { return false }
            try db.execute("UPDATE projects SET public = ? WHERE name = ?", .integer(isPublic ? 1 : 0), .text(name))
            return true
        }
    }

    public func setProjectQuota(_ name: String, bytes: Int64?) async throws -> Bool {
        try await backend.transaction(durable: true) { db in
            guard try db.row("SELECT name FROM projects WHERE name = ?", .text(name)) != nil else { return false }
            try db.execute("UPDATE projects SET quota_bytes = ? WHERE name = ?", bytes.map(SQLValue.integer) ?? .null, .text(name))
            return true
        }
    }

    /// Everything a project owns goes with it, in one transaction, so a new
    /// project of the same name starts clean: no old robot keeps access, no
    /// old webhook fires, no old rule applies. Its blobs are left to garbage
    /// collection, as after any delete. Read-committed under the project's
    /// lock, which pushes hold shared: the emptiness check sees them all.
    public func deleteProject(named name: String) async throws -> Bool {
        try await backend.transaction(durable: true, isolation: .readCommitted) { db in
            try db.lock(ContentLocks.projectRemoval(name))
            guard try db.row("SELECT name FROM projects WHERE name = ?", .text(name)) != nil else { return false }
            let inScope = ProjectScope.arguments(name)
            for table in ["manifests", "tags"] {
                if let row = try db.rows("SELECT repository FROM \(table) WHERE \(ProjectScope.condition("repository")) LIMIT 1", inScope).first {
                    throw AccountStoreError.projectNotEmpty(repository: try row.text("repository"))
                }
            }
            for table in ["manifest_references", "repository_blobs", "uploads"] {
                try db.execute("DELETE FROM \(table) WHERE \(ProjectScope.condition("repository"))", inScope)
            }
            try db.execute("DELETE FROM repositories WHERE \(ProjectScope.condition("name"))", inScope)
            let project = SQLValue.text(name)
            try db.execute("DELETE FROM robot_permissions WHERE project = ? OR robot IN (SELECT name FROM robots WHERE project = ?)", [project, project])
            try db.execute("DELETE FROM webhook_deliveries WHERE webhook IN (SELECT id FROM webhooks WHERE project = ?)", project)
            for (table, column) in [
                ("robots", "project"), ("members", "project"), ("immutability_rules", "project"), ("retention_policies", "project"),
                ("project_settings", "project"),
                ("webhooks", "project"), ("job_runs", "project"), ("projects", "name"),
            ] {
                try db.execute("DELETE FROM \(table) WHERE \(column) = ?", project)
            }
            return true
        }
    }

    // MARK: Members

    public func members(of project: String) async throws -> [Membership] {
        try await backend.read { db in
            try db.rows("SELECT user_name, role FROM members WHERE project = ? ORDER BY user_name", .text(project)).compactMap {
                row -> Membership? in
                guard let role = Role(rawValue: try row.text("role")) else { return nil }
                return Membership(user: try row.text("user_name"), role: role)
            }
        }
    }

    public func role(of user: String, in project: String) async throws -> Role? {
        try await backend.read { db in
            try db.row("SELECT role FROM members WHERE project = ? AND user_name = ?", .text(project), .text(user))
                .flatMap { Role(rawValue: try $0.text("role")) }
        }
    }

    public func setMember(_ user: String, of project: String, role: Role) async throws {
        try await backend.transaction(durable: true) { db in
            try db.execute(
                """
                INSERT INTO members (project, user_name, role) VALUES (?, ?, ?)
                ON CONFLICT (project, user_name) DO UPDATE SET role = excluded.role
                """, .text(project), .text(user), .text(role.rawValue))
        }
    }

    public func removeMember(_ user: String, from project: String) async throws -> Bool {
        try await backend.transaction(durable: true) { db in
            guard try db.row("SELECT role FROM members WHERE project = ? AND user_name = ?", .text(project), .text(user)) != nil
            else { return false }
            try db.execute("DELETE FROM members WHERE project = ? AND user_name = ?", .text(project), .text(user))
            return true
        }
    }
}
