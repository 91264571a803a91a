import BerthManagement
import BerthMetadata
import BerthRegistry
import Foundation
import Hummingbird

/// The signed-in user's personal access tokens; a token's secret is in the
/// answer to its creation only.
extension ManagementAPI {
    private struct NewToken: Decodable {
        let name: String
        /// Project → actions.
        let projects: [String: [String]]
        /// Days until it expires (default 90).
        let expires_in_days: Int?
    }

    struct TokenBody: Encodable {
        let name: String
        let projects: [String: [String]]
        let expires_at: String?
        let created_at: String
        let secret: String?

        init(_ token: PersonalToken, secret: String? = nil) {
            let time = ISO8601DateFormatter()
            (name, projects, self.secret) = (token.name, token.projects.mapValues { $0.sorted() }, secret)
            (expires_at, created_at) = (token.expiresAt.map { time.string(from: $0) }, time.string(from: token.createdAt))
        }
    }

    func addTokenRoutes(to api: ManagementRoutes) {
        let tokens = services.tokens
        api.on("/me/tokens", .get, requires: .signedIn) { _, context in
            try Self.json(try await tokens.tokens(by: context.requester).map { TokenBody($0) })
        }
        api.on("/me/tokens", .post, requires: .signedIn) { request, context in
            let body = try await Self.decode(NewToken.self, request, context)
            let issued = try await tokens.create(
                .init(name: body.name, projects: body.projects, expiresInDays: body.expires_in_days), by: context.requester)
            return try Self.json(TokenBody(issued.token, secret: issued.secret), status: .created)
        }
        api.on("/me/tokens/{token}", .delete, requires: .signedIn) { _, context in
            try await tokens.revoke(context.parameters.require("token"), by: context.requester)
            return Response(status: .noContent)
        }
    }
}
