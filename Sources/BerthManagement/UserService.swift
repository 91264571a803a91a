import BerthAuth
import BerthMetadata
import BerthRegistry
import Logging
import OCI

/// Users: administrators manage them; each user reads themself and
/// changes their own password and email.
public struct UserService: Sendable {
    let authenticator: Authenticator
    let permissions: ManagementPermissions
    let audit: ChangeAudit

    public struct NewUser: Sendable {
        public let name: String
        public let password: String
        public let email: String
        public let isAdmin: Bool

        public init(name: String, password: String, email: String, isAdmin: Bool) {
            (self.name, self.password, self.email, self.isAdmin) = (name, password, email, isAdmin)
        }
    }

    /// Fields left nil stay as they are.
    public struct Change: Sendable {
        public let password: String?
        public let email: String?
        public let isAdmin: Bool?
        public let isDisabled: Bool?

        public init(password: String?, email: String?, isAdmin: Bool?, isDisabled: Bool?) {
            (self.password, self.email, self.isAdmin, self.isDisabled) = (password, email, isAdmin, isDisabled)
        }
    }

    private var accounts: any AccountStore { authenticator.accounts }

    /// The signed-in user; a robot, which is no user, is asked to sign in as one.
    public func me(by requester: Requester) async throws -> User {
        let identity = try await permissions.check(.signedIn, requester)
        guard let name = identity.name, let user = try await accounts.user(named: name) else { throw SignInRequired() }
        return user
    }

    public func users(by requester: Requester) async throws -> [User] {
        try await permissions.check(.admin, requester)
        return try await accounts.users()
    }

    public func user(named name: String, by requester: Requester) async throws -> User {
        try await permissions.checkReadsUser(name, requester)
        guard let user = try await accounts.user(named: name) else { throw RegistryError.userUnknown(name) }
        return user
    }

    public func create(_ new: NewUser, by requester: Requester) async throws -> User {
        try await permissions.check(.admin, requester)
        try AccountNames.validate(new.name, what: "user")
        guard new.name != FederatedSignIn.userName else {
            throw RegistryError(.nameInvalid, "the user name \(FederatedSignIn.userName) is reserved for signing in with OIDC tokens")
        }
        let user = User(name: new.name, email: new.email, passwordHash: try hash(new.password), isAdmin: new.isAdmin)
        do {
            try await accounts.createUser(user)
        } catch AccountStoreError.exists {
            throw RegistryError(.unsupported, "user \(new.name) exists", status: 409)
        }
        requester.logger.notice("user created", metadata: ["user": "\(user.name)", "admin": "\(user.isAdmin)"])
        audit.record(requester, .created, "users/\(user.name)")
        return user
    }

    public func update(_ name: String, _ change: Change, by requester: Requester) async throws -> User {
        let identity = try await permissions.checkChangesUser(
            name, settingRoles: change.isAdmin != nil || change.isDisabled != nil, requester)
        guard var user = try await accounts.user(named: name) else { throw RegistryError.userUnknown(name) }
        if let password = change.password { user.passwordHash = try hash(password) }
        if let email = change.email { user.email = email }
        if let admin = change.isAdmin { user.isAdmin = admin }
        if let disabled = change.isDisabled { user.isDisabled = disabled }
        _ = try await accounts.updateUser(user)
        // A changed password, role or disabling applies to the next request, not in 30 s.
        authenticator.forgetVerifiedCredentials()
        requester.logger.notice("user changed", metadata: ["user": "\(name)", "by": "\(identity)"])
        audit.record(requester, .changed, "users/\(name)")
        return user
    }

    public func delete(_ name: String, by requester: Requester) async throws {
        try await permissions.checkDeletesUser(name, requester)
        guard try await accounts.deleteUser(named: name) else { throw RegistryError.userUnknown(name) }
        authenticator.forgetVerifiedCredentials()
        audit.record(requester, .deleted, "users/\(name)")
    }

    /// bcrypt of a password long enough to be one.
    private func hash(_ password: String) throws -> String {
        guard password.count >= 8 else { throw RegistryError(.unsupported, "passwords need at least 8 characters", status: 400) }
        return authenticator.passwords.hash(password)
    }
}
