import BerthAPI
import BerthManagement
import BerthMetadata
import BerthRegistry
import BerthUI
import Hummingbird

extension Server {
    /// The node's management services, over its stores and settings: what
    /// `/api/v1` (and later the web UI) calls.
    func managementServices(_ authorizer: Authorizer) -> ManagementServices {
        let stores = ManagementServices.Stores(
            content: metadata.content, rules: metadata.rules, settings: settings, webhooks: metadata.webhooks, audit: metadata.audit,
            signatures: signatureVerifier, registries: metadata.registries, upstreams: upstreams, secrets: secrets,
            replication: metadata.replication, vulnerabilities: metadata.vulnerabilities,
            scans: metadata.scans, registry: content)
        return ManagementServices(
            authenticator: authorizer.authenticator, stores: stores, maintenance: maintenance, quotas: quotas, webhooks: webhooks,
            events: events,
            settings: .init(defaultCollection: configuration.collection, usersCreateProjects: configuration.usersCreateProjects))
    }

    /// The node's `/api/v1`.
    func managementAPI(_ authorizer: Authorizer) -> ManagementAPI {
        ManagementAPI(services: managementServices(authorizer), events: events)
    }

    /// The node's web UI, over the same services as its `/api/v1`.
    func webUI(_ authorizer: Authorizer) -> WebUI {
        WebUI(services: managementServices(authorizer), sessions: webSessions(authorizer), authenticator: authorizer.authenticator,
            templates: uiTemplates,
            system: .init(
                version: Self.version, database: configuration.database == nil ? "SQLite (in the data folder)" : "PostgreSQL",
                storage: configuration.storage == "s3" ? "S3 (\(configuration.s3Bucket))" : "file system (in the data folder)",
                startedAt: startedAt))
    }

    func webSessions(_ authorizer: Authorizer) -> WebSessions {
        WebSessions(
            store: metadata.webSessions, accounts: authorizer.authenticator.accounts,
            limits: .init(idle: configuration.uiSessionIdle, lifetime: configuration.uiSessionLifetime))
    }

    /// What each `/api/v1` route declares it needs, from the same
    /// registration the router is built with (for the test that sends every
    /// route as every role); empty with `auth: none`, which has no `/api/v1`.
    public var declaredManagementAccess: [DeclaredRoute] {
        guard let authorizer else { return [] }
        return managementAPI(authorizer).addRoutes(to: Router(context: BerthRequestContext.self))
    }
}
