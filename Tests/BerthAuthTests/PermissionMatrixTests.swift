import BerthAuth
import BerthMetadata
import Foundation
import OCI
import Testing

@Suite("The permission matrix, every cell, on a real SQLite file")
struct PermissionMatrixTests {
    static func accounts() async throws -> SQLAccountStore {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("accounts-\(UUID().uuidString).sqlite").path
        return try await SQLStores.open(backend: try SQLiteBackend(path: path)).accounts
    }

    @Test func everyRoleOnPrivateAndPublicProjects() async throws {
        let accounts = try await Self.accounts()
        let hasher = PasswordHasher(cost: 4)
        for name in ["root", "guest", "dev", "maint", "padmin", "outsider"] {
            try await accounts.createUser(User(name: name, email: "\(name)@example.test", passwordHash: hasher.hash("pw"), isAdmin: name == "root"))
        }
        try await accounts.createProject(Project(name: "private", isPublic: false))
        try await accounts.createProject(Project(name: "public", isPublic: true))
        for project in ["private", "public"] {
            try await accounts.setMember("guest", of: project, role: .guest)
            try await accounts.setMember("dev", of: project, role: .developer)
            try await accounts.setMember("maint", of: project, role: .maintainer)
            try await accounts.setMember("padmin", of: project, role: .projectAdmin)
        }
        let access = AccessController(accounts: accounts)
        let everything = Action.ordinary
        let expected: [(Identity, Set<Action>, Set<Action>)] = [
            // identity, on private, on public
            (.anonymous, [], [.pull]),
            (.user(name: "outsider", isAdmin: false), [], [.pull]),
            (.user(name: "guest", isAdmin: false), [.pull], [.pull]),
            (.user(name: "dev", isAdmin: false), [.pull, .push], [.pull, .push]),
            (.user(name: "maint", isAdmin: false), everything, everything),
            (.user(name: "padmin", isAdmin: false), everything, everything),
            (.user(name: "root", isAdmin: true), everything, everything),
        ]
        for (identity, onPrivate, onPublic) in expected {
            #expect(try await access.actions(of: identity, on: RepositoryName(parsing: "private/app")) == onPrivate, "\(identity)")
            #expect(try await access.actions(of: identity, on: RepositoryName(parsing: "public/sub/app")) == onPublic, "\(identity)")
            // Scopes are narrowed, never refused.
            #expect(try await access.grant(everything, to: identity, on: RepositoryName(parsing: "private/app")) == onPrivate)
        }
        // No project: nothing for anyone but admins.
        #expect(try await access.actions(of: .user(name: "dev", isAdmin: false), on: RepositoryName(parsing: "none/app")) == [])
        #expect(try await access.actions(of: .user(name: "root", isAdmin: true), on: RepositoryName(parsing: "none/app")) == everything)
        #expect(Permissions.managesProject(.projectAdmin) && !Permissions.managesProject(.maintainer))
    }

    @Test func accountsLifecycle() async throws {
        let accounts = try await Self.accounts()
        let hasher = PasswordHasher(cost: 4)
        let alice = User(name: "alice", email: "a@example.test", passwordHash: hasher.hash("secret"), isAdmin: false)
        try await accounts.createUser(alice)
        await #expect(throws: AccountStoreError.exists) { try await accounts.createUser(alice) }
        let stored = try #require(try await accounts.user(named: "alice"))
        #expect(hasher.verify("secret", hash: stored.passwordHash))
        #expect(!hasher.verify("wrong", hash: stored.passwordHash))
        #expect(!stored.passwordHash.contains("secret"))
        try await accounts.createProject(Project(name: "team", isPublic: false))
        try await accounts.setMember("alice", of: "team", role: .developer)
        try await accounts.setMember("alice", of: "team", role: .maintainer)
        #expect(try await accounts.members(of: "team") == [Membership(user: "alice", role: .maintainer)])
        #expect(try await accounts.deleteUser(named: "alice"))
        #expect(try await accounts.members(of: "team").isEmpty)
        #expect(try await accounts.setProjectVisibility("team", public: true))
        #expect(try await accounts.project(named: "team")?.isPublic == true)
        #expect(try await accounts.deleteProject(named: "team"))
        #expect(try await accounts.deleteProject(named: "team") == false)
    }
}
