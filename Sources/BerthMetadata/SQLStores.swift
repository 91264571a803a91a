import Foundation

/// The registry's database, opened once: the schema is migrated to the
/// newest version, then each concern gets its own store over the one
/// `SQLBackend`, so a change of one concern that touches another's tables
/// (a push writing its events, a project's deletion taking its webhooks)
/// still commits in one transaction.
public struct SQLStores: Sendable {
    /// The SQL database underneath: for whole-table copies (`berth migrate`)
    /// and the health check.
    public let database: any SQLBackend
    /// Repositories, blobs, manifests, tags, referrers and upload sessions.
    public let content: SQLContentStore
    public let accounts: SQLAccountStore
    public let audit: SQLAuditStore
    public let outbox: SQLEventOutboxStore
    public let webhooks: SQLWebhookStore
    /// Job runs and the leases that keep each job on one node at a time.
    public let jobs: SQLJobStore
    public let collection: SQLGarbageCollectionStore
    /// Projects' tag immutability rules and retention policies.
    public let rules: SQLRuleStore
    /// Other registries (upstreams of proxy projects).
    public let registries: SQLRegistryStore
    /// Replication rules and their executions.
    public let replication: SQLReplicationStore
    /// The vulnerability database (OSV advisories).
    public let vulnerabilities: SQLVulnerabilityStore
    /// Artifacts' scans and their reports.
    public let scans: SQLScanStore
    /// The web UI's sessions.
    public let webSessions: SQLWebSessionStore

    /// Migrates the schema of `backend`'s database, then makes the stores.
    public static func open(backend: any SQLBackend) async throws -> SQLStores {
        try await Schema.migrate(backend)
        return SQLStores(backend: backend)
    }

    private init(backend: any SQLBackend) {
        database = backend
        // One counter for both: the relay asks the outbox store whether this
        // process wrote events, and most are written by content changes.
        let eventWrites = EventWriteCounter()
        content = SQLContentStore(backend: backend, eventWrites: eventWrites)
        outbox = SQLEventOutboxStore(backend: backend, eventWrites: eventWrites)
        accounts = SQLAccountStore(backend: backend)
        audit = SQLAuditStore(backend: backend)
        webhooks = SQLWebhookStore(backend: backend)
        jobs = SQLJobStore(backend: backend)
        collection = SQLGarbageCollectionStore(backend: backend)
        rules = SQLRuleStore(backend: backend)
        registries = SQLRegistryStore(backend: backend)
        replication = SQLReplicationStore(backend: backend)
        vulnerabilities = SQLVulnerabilityStore(backend: backend)
        scans = SQLScanStore(backend: backend)
        webSessions = SQLWebSessionStore(backend: backend)
    }

    public func close() async throws {
        try await database.close()
    }
}
