import BerthAuth
import BerthMetadata
import BerthPolicies
import BerthRegistry
import BerthSigning

/// Every management service, built once over the node's stores and
/// shared by the surfaces that manage the registry (`/api/v1`, the web
/// UI), so both are held to the same permissions and audit their changes
/// the same way.
public struct ManagementServices: Sendable {
    /// What the services read and change besides accounts (which come with
    /// the authenticator).
    public struct Stores: Sendable {
        /// For a project's storage bytes.
        let content: any MetadataStore
        let rules: any ImmutabilityRuleStore & RetentionStore
        /// Through the node's cache of them, which the policies read.
        let settings: any ProjectSettingStore
        let webhooks: any WebhookStore
        let audit: any AuditStore
        let signatures: SignatureVerifier
        let registries: any RegistryStore
        /// The proxy projects' upstreams, and the key their passwords are sealed with.
        let upstreams: Upstreams
        let secrets: SecretBox
        let replication: any ReplicationStore
        let vulnerabilities: SQLVulnerabilityStore
        let scans: SQLScanStore
        /// Blobs and deletions through the content service (its push policies and events).
        let registry: any RegistryContent

        public init(
            content: any MetadataStore, rules: any ImmutabilityRuleStore & RetentionStore, settings: any ProjectSettingStore,
            webhooks: any WebhookStore, audit: any AuditStore, signatures: SignatureVerifier, registries: any RegistryStore,
            upstreams: Upstreams, secrets: SecretBox, replication: any ReplicationStore, vulnerabilities: SQLVulnerabilityStore,
            scans: SQLScanStore, registry: any RegistryContent
        ) {
            (self.content, self.rules, self.settings, self.webhooks, self.audit, self.signatures) =
                (content, rules, settings, webhooks, audit, signatures)
            (self.registries, self.upstreams, self.secrets, self.replication) = (registries, upstreams, secrets, replication)
            (self.vulnerabilities, self.scans, self.registry) = (vulnerabilities, scans, registry)
        }
    }

    /// How this registry is set up to be managed.
    public struct Settings: Sendable {
        /// What a garbage collection does unless asked otherwise.
        let defaultCollection: GarbageCollector.Options
        /// Whether any signed-in user may create projects (else admins only).
        let usersCreateProjects: Bool

        public init(defaultCollection: GarbageCollector.Options, usersCreateProjects: Bool) {
            self.defaultCollection = defaultCollection
            self.usersCreateProjects = usersCreateProjects
        }
    }

    public let permissions: ManagementPermissions
    public let users: UserService
    public let projects: ProjectService
    public let robots: RobotService
    public let policies: PolicyService
    public let signatures: SignatureService
    public let tokens: PersonalTokenService
    public let federation: FederationService
    public let registries: RegistryService
    public let replication: ReplicationService
    public let vulnerabilities: VulnerabilityService
    public let scans: ScanService
    public let artifacts: ArtifactService
    public let repositories: RepositoryService
    public let webhooks: WebhookService
    public let audit: AuditService
    public let maintenance: MaintenanceService

    /// `events` receives the audit entries of the changes made.
    public init(
        authenticator: Authenticator, stores: Stores, maintenance: Maintenance, quotas: QuotaEnforcer, webhooks: WebhookNotifier,
        events: any EventSink, settings: Settings
    ) {
        let permissions = ManagementPermissions(accounts: authenticator.accounts, usersCreateProjects: settings.usersCreateProjects)
        let changes = ChangeAudit(events: events)
        self.permissions = permissions
        users = UserService(authenticator: authenticator, permissions: permissions, audit: changes)
        projects = ProjectService(
            authenticator: authenticator, content: stores.content, quotas: quotas, webhooks: webhooks, settings: stores.settings,
            permissions: permissions, audit: changes)
        robots = RobotService(authenticator: authenticator, permissions: permissions, audit: changes)
        tokens = PersonalTokenService(authenticator: authenticator, permissions: permissions, audit: changes)
        federation = FederationService(authenticator: authenticator, permissions: permissions, audit: changes)
        registries = RegistryService(
            store: stores.registries, upstreams: stores.upstreams, secrets: stores.secrets, settings: stores.settings,
            permissions: permissions, audit: changes)
        replication = ReplicationService(store: stores.replication, registries: stores.registries, permissions: permissions, audit: changes)
        vulnerabilities = VulnerabilityService(store: stores.vulnerabilities, scans: stores.scans, permissions: permissions, audit: changes)
        scans = ScanService(scans: stores.scans, content: stores.content, permissions: permissions, audit: changes)
        artifacts = ArtifactService(content: stores.content, scans: stores.scans, permissions: permissions)
        repositories = RepositoryService(content: stores.content, registry: stores.registry, permissions: permissions)
        policies = PolicyService(rules: stores.rules, settings: stores.settings, permissions: permissions, audit: changes)
        signatures = SignatureService(verifier: stores.signatures, content: stores.content, settings: stores.settings, permissions: permissions)
        self.webhooks = WebhookService(store: stores.webhooks, notifier: webhooks, permissions: permissions, audit: changes)
        audit = AuditService(store: stores.audit, permissions: permissions)
        self.maintenance = MaintenanceService(
            maintenance: maintenance, content: stores.content, defaultCollection: settings.defaultCollection, permissions: permissions,
            audit: changes)
    }
}
