import BerthAuth
import BerthMetadata
import BerthRegistry
import Foundation
import Hummingbird
import Logging
import OCI

extension ManagementAPI {
    private struct NewUser: Decodable {
        let name: String
        let password: String
        let email: String?
        let admin: Bool?
    }

    private struct UserChange: Decodable {
        let password: String?
        let email: String?
        let admin: Bool?
        let disabled: Bool?
    }

    func me(_ request: Request, _ context: BerthRequestContext) async throws -> Response {
        let identity = try await signedIn(request, context)
        guard let name = identity.name, let user = try await accounts.user(named: name) else { throw BasicChallenge() }
        return try Self.json(Self.userBody(user))
    }

    func listUsers(_ request: Request, _ context: BerthRequestContext) async throws -> Response {
        _ = try await requireAdmin(request, context)
        return try Self.json(try await accounts.users().map(Self.userBody))
    }

    func createUser(_ request: Request, _ context: BerthRequestContext) async throws -> Response {
        _ = try await requireAdmin(request, context)
        let body = try await Self.decode(NewUser.self, request, context)
        try Self.validName(body.name, what: "user")
        guard body.password.count >= 8 else { throw RegistryError(.unsupported, "passwords need at least 8 characters", status: 400) }
        let user = User(
            name: body.name, email: body.email ?? "", passwordHash: authorizer.passwords.hash(body.password), isAdmin: body.admin ?? false)
        do {
            try await accounts.createUser(user)
        } catch AccountStoreError.exists {
            throw RegistryError(.unsupported, "user \(body.name) exists", status: 409)
        }
        context.logger.notice("user created", metadata: ["user": "\(user.name)", "admin": "\(user.isAdmin)"])
        return try Self.json(Self.userBody(user), status: .created)
    }

    func getUser(_ request: Request, _ context: BerthRequestContext, _ name: String) async throws -> Response {
        let identity = try await signedIn(request, context)
        guard identity.isAdmin || identity.name == name else { throw RegistryError(.denied) }
        guard let user = try await accounts.user(named: name) else { throw Self.userUnknown(name) }
        return try Self.json(Self.userBody(user))
    }

    /// Admins change anything; users change their own password and email.
    func updateUser(_ request: Request, _ context: BerthRequestContext, _ name: String) async throws -> Response {
        let identity = try await signedIn(request, context)
        let change = try await Self.decode(UserChange.self, request, context)
        let isSelf = identity.name == name
        guard identity.isAdmin || (isSelf && change.admin == nil && change.disabled == nil) else { throw RegistryError(.denied) }
        guard var user = try await accounts.user(named: name) else { throw Self.userUnknown(name) }
        if let password = change.password {
            guard password.count >= 8 else { throw RegistryError(.unsupported, "passwords need at least 8 characters", status: 400) }
            user.passwordHash = authorizer.passwords.hash(password)
        }
        if let email = change.email { user.email = email }
        if let admin = change.admin { user.isAdmin = admin }
        if let disabled = change.disabled { user.isDisabled = disabled }
        _ = try await accounts.updateUser(user)
        authorizer.forgetVerifiedCredentials()
        context.logger.notice("user changed", metadata: ["user": "\(name)", "by": "\(identity)"])
        return try Self.json(Self.userBody(user))
    }

    func deleteUser(_ request: Request, _ context: BerthRequestContext, _ name: String) async throws -> Response {
        let identity = try await requireAdmin(request, context)
        guard identity.name != name else { throw RegistryError(.denied, "administrators cannot delete themselves") }
        guard try await accounts.deleteUser(named: name) else { throw Self.userUnknown(name) }
        authorizer.forgetVerifiedCredentials()
        return Response(status: .noContent)
    }
}
