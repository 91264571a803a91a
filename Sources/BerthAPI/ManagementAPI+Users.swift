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

    func addUserRoutes(to api: ManagementRoutes) {
        api.on("/me", .get, requires: .signedIn) { _, context in try await me(context) }
        api.on("/users", .get, requires: .admin) { _, _ in try Self.json(try await accounts.users().map(Self.userBody)) }
        api.on("/users", .post, requires: .admin) { request, context in try await createUser(request, context) }
        api.on("/users/{name}", .get, requires: .signedIn) { _, context in try await getUser(context, context.parameters.require("name")) }
        api.on("/users/{name}", .patch, requires: .signedIn) { request, context in
            try await updateUser(request, context, context.parameters.require("name"))
        }
        api.on("/users/{name}", .delete, requires: .admin) { _, context in try await deleteUser(context, context.parameters.require("name")) }
    }

    /// The signed-in user; a robot, which is no user, is asked to sign in as one.
    private func me(_ context: BerthRequestContext) async throws -> Response {
        guard let name = context.identity.name, let user = try await accounts.user(named: name) else { throw AuthenticationChallenge.basic }
        return try Self.json(Self.userBody(user))
    }

    private func createUser(_ request: Request, _ context: BerthRequestContext) async throws -> Response {
        let body = try await Self.decode(NewUser.self, request, context)
        try Self.validName(body.name, what: "user")
        guard body.password.count >= 8 else { throw RegistryError(.unsupported, "passwords need at least 8 characters", status: 400) }
        let user = User(
            name: body.name, email: body.email ?? "", passwordHash: authenticator.passwords.hash(body.password), isAdmin: body.admin ?? false)
        do {
            try await accounts.createUser(user)
        } catch AccountStoreError.exists {
            throw RegistryError(.unsupported, "user \(body.name) exists", status: 409)
        }
        context.logger.notice("user created", metadata: ["user": "\(user.name)", "admin": "\(user.isAdmin)"])
        return try Self.json(Self.userBody(user), status: .created)
    }

    /// Admins read anyone; users themselves.
    private func getUser(_ context: BerthRequestContext, _ name: String) async throws -> Response {
        let identity = context.identity
        guard identity.isAdmin || identity.name == name else { throw RegistryError(.denied) }
        guard let user = try await accounts.user(named: name) else { throw Self.userUnknown(name) }
        return try Self.json(Self.userBody(user))
    }

    /// Admins change anything; users change their own password and email.
    private func updateUser(_ request: Request, _ context: BerthRequestContext, _ name: String) async throws -> Response {
        let identity = context.identity
        let change = try await Self.decode(UserChange.self, request, context)
        let isSelf = identity.name == name
        guard identity.isAdmin || (isSelf && change.admin == nil && change.disabled == nil) else { throw RegistryError(.denied) }
        guard var user = try await accounts.user(named: name) else { throw Self.userUnknown(name) }
        if let password = change.password {
            guard password.count >= 8 else { throw RegistryError(.unsupported, "passwords need at least 8 characters", status: 400) }
            user.passwordHash = authenticator.passwords.hash(password)
        }
        if let email = change.email { user.email = email }
        if let admin = change.admin { user.isAdmin = admin }
        if let disabled = change.disabled { user.isDisabled = disabled }
        _ = try await accounts.updateUser(user)
        authenticator.forgetVerifiedCredentials()
        context.logger.notice("user changed", metadata: ["user": "\(name)", "by": "\(identity)"])
        return try Self.json(Self.userBody(user))
    }

    private func deleteUser(_ context: BerthRequestContext, _ name: String) async throws -> Response {
        guard context.identity.name != name else { throw RegistryError(.denied, "administrators cannot delete themselves") }
        guard try await accounts.deleteUser(named: name) else { throw Self.userUnknown(name) }
        authenticator.forgetVerifiedCredentials()
        return Response(status: .noContent)
    }
}
