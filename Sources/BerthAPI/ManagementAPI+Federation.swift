import BerthManagement
import BerthMetadata
import Hummingbird

/// CI federation rules (administrators).
extension ManagementAPI {
    func addFederationRoutes(to api: ManagementRoutes) {
        let federation = services.federation
        api.on("/federation/rules", .get, requires: .admin) { _, context in
            try Self.json(try await federation.rules(by: context.requester))
        }
        api.on("/federation/rules", .post, requires: .admin) { request, context in
            let rule = try await Self.decode(FederationRule.self, request, context)
            return try Self.json(try await federation.create(rule, by: context.requester), status: .created)
        }
        api.on("/federation/rules/{rule}", .delete, requires: .admin) { _, context in
            try await federation.delete(context.parameters.require("rule"), by: context.requester)
            return Response(status: .noContent)
        }
    }
}
