import BerthAPI
import BerthMetadata
import BerthRegistry
import Hummingbird

extension Server {
    /// The node's `/api/v1`, with its stores and settings.
    func managementAPI(_ authorizer: Authorizer) -> ManagementAPI {
        let stores = ManagementAPI.Stores(
            content: metadata.content, rules: metadata.rules, webhooks: metadata.webhooks, audit: metadata.audit)
        return ManagementAPI(
            authenticator: authorizer.authenticator, stores: stores, maintenance: maintenance, quotas: quotas,
            webhooks: webhooks, events: events, defaultCollection: configuration.collection, usersCreateProjects: configuration.usersCreateProjects)
    }

    /// What each `/api/v1` route declares it needs, from the same
    /// registration the router is built with (for the test that sends every
    /// route as every role); empty with `auth: none`, which has no `/api/v1`.
    public var declaredManagementAccess: [DeclaredRoute] {
        guard let authorizer else { return [] }
        return managementAPI(authorizer).addRoutes(to: Router(context: BerthRequestContext.self))
    }
}
