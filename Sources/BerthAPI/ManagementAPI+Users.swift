import BerthManagement
import BerthRegistry
import Hummingbird

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
        let users = services.users
        api.on("/me", .get, requires: .signedIn) { _, context in try Self.json(Self.userBody(try await users.me(by: context.requester))) }
        api.on("/users", .get, requires: .admin) { _, context in
            try Self.json(try await users.users(by: context.requester).map(Self.userBody))
        }
        api.on("/users", .post, requires: .admin) { request, context in
            let body = try await Self.decode(NewUser.self, request, context)
            let new = UserService.NewUser(name: body.name, password: body.password, email: body.email ?? "", isAdmin: body.admin ?? false)
            return try Self.json(Self.userBody(try await users.create(new, by: context.requester)), status: .created)
        }
        api.on("/users/{name}", .get, requires: .signedIn) { _, context in
            try Self.json(Self.userBody(try await users.user(named: context.parameters.require("name"), by: context.requester)))
        }
        api.on("/users/{name}", .patch, requires: .signedIn) { request, context in
            let body = try await Self.decode(UserChange.self, request, context)
            let change = UserService.Change(password: body.password, email: body.email, isAdmin: body.admin, isDisabled: body.disabled)
            return try Self.json(Self.userBody(try await users.update(context.parameters.require("name"), change, by: context.requester)))
        }
        api.on("/users/{name}", .delete, requires: .admin) { _, context in
            try await users.delete(context.parameters.require("name"), by: context.requester)
            return Response(status: .noContent)
        }
    }
}
