import BerthAPI
import BerthAuth
import BerthMetadata
import BerthPolicies
import BerthRegistry
import BerthS3
import BerthSigning
import BerthStorage
import BerthUI
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization
import UnixSignals

/// One Berth node: its stores, its HTTP application and its background
/// services, built from a `Configuration`.
public final class Server: Sendable {
    public let configuration: Configuration
    /// Blobs, manifests, tags and referrers (where a pull-through cache
    /// will stand in front of the local stores).
    let content: any RegistryContent
    let uploads: UploadService
    /// The database, one store per concern.
    let metadata: SQLStores
    /// Manifests, tags and blob links on the pull path, remembered. On a
    /// shared database it follows the other nodes' changes.
    let cache: CachedMetadataStore
    /// Projects' settings (tag rules, signing), remembered: the policies read them on every push and pull.
    let settings: CachedProjectSettings
    /// Finds and checks artifacts' signatures (for the pull policy, the API and the announcer).
    let signatureVerifier: SignatureVerifier
    /// The pull policy of signing policies; it remembers its decisions.
    let trustedSignatures: TrustedSignaturesPolicy
    /// Proxy projects' upstream registries, and the pull-through cache's counters.
    let upstreams: Upstreams
    let proxyMetrics = ProxyMetrics()
    /// Keeps pull-through cache projects within their size limits.
    let eviction: CacheEviction
    /// Runs the scans queued in the cluster that this node claims.
    let scanner: ArtifactScanner
    /// Every route's counts and latencies; the scanner watches its writes to yield to pushes.
    let requestMetrics = RequestMetrics()
    /// Keeps the vulnerability database current from `vulndb_url`, when set.
    let vulndbDownloader: VulnerabilityDatabaseDownloader?
    /// Runs the replication executions this node claims.
    let replicator: Replicator
    let secrets: SecretBox
    /// This build of Berth.
    public static let version = "0.1.0-dev"
    let startedAt = Date()
    /// The web UI's templates, compiled at start.
    let uiTemplates: WebUI.CompiledTemplates
    /// nil unless a pull rate limit is set.
    let rateLimiter: PullRateLimiter?
    let quotas: QuotaEnforcer
    public let maintenance: Maintenance
    let webhooks: WebhookNotifier
    let pulls: PullRecorder
    /// Events that change nothing, on their way to the outbox (a change's
    /// events are committed with it).
    let outbox: EventOutbox
    /// Hands the outbox to its consumers.
    let relay: EventRelay
    /// Where every event that changes nothing goes: the outbox, and pull times.
    let events: EventFanOut
    /// nil when `auth: none`.
    let authorizer: Authorizer?
    let threadPool: NIOThreadPool
    let logger: Logger

    /// Opens (creating) the data folder, the blob store and the database.
    /// `extensions` join the push and pull chains after the built-in ones,
    /// and the outbox's consumers after the audit log and webhooks.
    public init(configuration: Configuration, logger: Logger, extensions: Extensions = .init()) async throws {
        self.configuration = configuration
        self.logger = logger
        let root = URL(fileURLWithPath: configuration.data).standardizedFileURL.path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        // Disk work gets its own threads: fsyncs must not queue behind each
        // other on a pool sized for CPU work.
        threadPool = NIOThreadPool(numberOfThreads: 16)
        threadPool.start()
        let blobs = try await Self.blobStore(configuration, root: root, threadPool: threadPool, logger: logger)
        let backend = try await Self.database(configuration, root: root, logger: logger)
        metadata = try await SQLStores.open(backend: backend)
        uiTemplates = try WebUI.CompiledTemplates.compile()
        let shared = backend.flavor == .postgres
        let settings = CachedProjectSettings(metadata.rules, shared: shared)
        self.settings = settings
        signatureVerifier = SignatureVerifier(metadata: metadata.content, blobs: blobs)
        trustedSignatures = TrustedSignaturesPolicy(settings: settings, verifier: signatureVerifier, metadata: metadata.content, shared: shared)
        let cache = CachedMetadataStore(
            metadata.content, maxBytes: Int(clamping: configuration.cacheBytes), shared: shared, observers: [trustedSignatures])
        self.cache = cache
        let contentStore: any MetadataStore = cache
        quotas = QuotaEnforcer(source: metadata.accounts, usage: contentStore)
        let limits = RegistryLimits(maxBlobSize: configuration.maxBlobSize)
        secrets = try configuration.secretKey.map(SecretBox.init(secret:)) ?? SecretBox(keyFile: root + "/secret.key")
        let upstreams = Upstreams(registries: metadata.registries, settings: settings, secrets: secrets, metrics: proxyMetrics)
        self.upstreams = upstreams
        // The push and pull chains, in order (one line a policy).
        let pushPolicies: [any PushPolicy] = [
            ProxyProjectsAreReadOnly { try await upstreams.binding(of: $0) != nil },
            TagImmutability(rules: metadata.rules),
            TagConventions(settings: settings),
            quotas,
        ] + extensions.push
        let pullPolicies: [any PullPolicy] = [
            trustedSignatures,
            VulnerabilityPolicy(settings: settings, scans: metadata.scans),
        ] + extensions.pull
        let local = ContentService(
            blobs: blobs, metadata: contentStore, limits: limits, pushPolicies: pushPolicies, pullPolicies: pullPolicies, logger: logger)
        // Pull-through cache projects fetch from their upstream what the node does not have yet.
        let eviction = CacheEviction(
            upstreams: upstreams, metadata: contentStore, rules: metadata.rules, content: local, metrics: proxyMetrics, logger: logger)
        self.eviction = eviction
        // What the registry writes itself (cache fills, SBOMs) passes no push policy.
        let ownWriter = UploadService(blobs: blobs, metadata: contentStore, limits: limits, pushPolicies: [], logger: logger)
        content = ProxyContent(
            local: local, metadata: contentStore, writer: ownWriter, upstreams: upstreams, metrics: proxyMetrics, eviction: eviction, logger: logger)
        uploads = UploadService(blobs: blobs, metadata: contentStore, limits: limits, pushPolicies: pushPolicies, logger: logger)
        let node = ProcessInfo.processInfo.hostName + ":" + root
        outbox = EventOutbox(store: metadata.outbox, logger: logger)
        replicator = Replicator(
            store: metadata.replication, registries: metadata.registries, upstreams: upstreams, content: content, uploads: uploads, node: node,
            projectExists: { [accounts = metadata.accounts, open = configuration.auth != "token"] in
                if open { return true }
                return try await accounts.project(named: $0) != nil
            },
            logger: logger)
        let metrics = JobMetrics()
        webhooks = WebhookNotifier(
            store: metadata.webhooks, retryBase: configuration.webhookRetryBase, maxAttempts: configuration.webhookMaxAttempts,
            allowPrivate: configuration.webhookAllowPrivate, metrics: metrics, logger: logger)
        pulls = PullRecorder(store: metadata.rules)
        events = EventFanOut([configuration.auditPulls ? outbox : PullsLeftOut(outbox), pulls])
        // The outbox's consumers, each with a cursor of its own: one line each.
        let consumers: [any EventConsumer] = [
            AuditLog(store: metadata.audit, metrics: metrics),
            webhooks,
            TrustedSignatureAnnouncer(settings: settings, metadata: metadata.content, verifier: signatureVerifier, events: outbox, logger: logger),
            ReplicationTrigger(store: metadata.replication),
            ScanOnPush(scans: metadata.scans, settings: settings, byDefault: configuration.scanOnPush),
        ]
        relay = EventRelay(
            store: metadata.outbox, leases: metadata.jobs, consumers: consumers + extensions.consumers,
            node: node, metrics: metrics, logger: logger)
        rateLimiter = configuration.rateLimits.isOff ? nil : PullRateLimiter(limits: configuration.rateLimits, store: metadata.rules)
        maintenance = Maintenance(
            collector: GarbageCollector(blobs: blobs, store: metadata.collection, logger: logger),
            runs: metadata.jobs, leases: metadata.jobs, content: content,
            retention: metadata.rules, metrics: metrics, contentRemoved: { cache.forgetAll() })
        authorizer = configuration.auth == "token"
            ? try await Self.authorizer(configuration, accounts: metadata.accounts, root: root, events: events, logger: logger) : nil
        let tokens = authorizer?.authenticator.tokens
        let external = configuration.scannerURL.map {
            ExternalScanner(
                settings: .init(url: $0, authorization: configuration.scannerAuthorization, registryURL: configuration.scannerRegistryURL),
                tokens: tokens)
        }
        vulndbDownloader = configuration.vulndbURLs.isEmpty ? nil : VulnerabilityDatabaseDownloader(
            urls: configuration.vulndbURLs, folder: root + "/vulndb",
            importer: AdvisoryImporter(store: metadata.vulnerabilities, scans: metadata.scans), leases: metadata.jobs, node: node, logger: logger)
        scanner = ArtifactScanner(
            content: content, metadata: contentStore, writer: ownWriter, scans: metadata.scans, vulnerabilities: metadata.vulnerabilities,
            settings: settings, external: external, events: outbox, requests: requestMetrics, node: node, logger: logger)
    }

    /// Accounts, token keys and the first administrator.
    private static func authorizer(
        _ configuration: Configuration, accounts: any AccountStore, root: String, events: any EventSink, logger: Logger
    ) async throws -> Authorizer {
        let passwords = PasswordHasher(cost: configuration.passwordCost)
        if try await accounts.user(named: "admin") == nil {
            let password = configuration.adminPassword ?? Secrets.random(length: 24, readable: true)
            try await accounts.createUser(User(name: "admin", email: "", passwordHash: passwords.hash(password), isAdmin: true))
            if configuration.adminPassword == nil {
                // Shown this once, as documented: there is no other way to learn it.
                logger.notice("created the administrator 'admin' with a generated password", metadata: ["password": "\(password)"])
            } else {
                logger.notice("created the administrator 'admin' with BERTH_ADMIN_PASSWORD")
            }
        }
        let key = try TokenService.loadOrCreateKey(at: configuration.tokenKey ?? root + "/token-signing-key.pem")
        let tokens = TokenService(key: key, issuer: "berth", service: configuration.service, lifetime: configuration.tokenLifetime)
        return Authorizer(accounts: accounts, tokens: tokens, passwords: passwords, realm: configuration.realm,
            autoCreateProjects: configuration.autoCreateProjects, events: events, logger: logger)
    }


    /// The HTTP application with every route, and the background services.
    /// `onRunning` receives the port actually bound (useful with port 0).
    /// Every route of the node, with its middleware.
    func router() -> Router<BerthRequestContext> {
        let router = Router(context: BerthRequestContext.self)
        let metrics = requestMetrics
        // First: everything after it sees the real client's address.
        router.add(middleware: ClientAddressMiddleware(trusted: configuration.trustedProxies))
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        router.add(middleware: AccessLogMiddleware())
        router.add(middleware: ErrorMiddleware())
        // Names without a project: mirror mode, and containerd's `?ns=` (always on: it only reads proxy projects).
        let mirror = MirrorRouting(
            project: configuration.mirrorProject,
            exists: { [accounts = metadata.accounts] in try await accounts.project(named: $0) != nil },
            mirroring: { [upstreams, rules = metadata.rules] host in
                try await upstreams.project(mirroring: host) { try await rules.projects(with: .proxy) }
            })
        router.add(middleware: MirrorMiddleware(routing: mirror))
        // Who the caller is, resolved once for every route after it (with
        // `auth: none` nobody is asked, and every route is open).
        let ui = authorizer.map(webUI)
        if let authorizer { router.add(middleware: AuthenticationMiddleware(authenticator: authorizer.authenticator, others: ui.map { [$0.resolver] } ?? [])) }
        // The database answers a `SELECT 1` within 2 s (result kept 1 s), or 503 with the reason.
        let health = DatabaseHealth(metadata.database, logger: logger)
        router.get("/healthz") { _, _ in
            let status = await health.status()
            var body: [String: String] = ["status": "ok"]
            if case .unavailable(let reason) = status { body = ["status": "unavailable", "database": reason] }
            let json = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            return Response(
                status: status == .ok ? .ok : .serviceUnavailable, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(bytes: json)))
        }
        DistributionAPI(content: content, uploads: uploads, authorizer: authorizer, events: events, rateLimiter: rateLimiter)
            .addRoutes(to: router)
        let (proxyMetrics, scanMetrics) = (proxyMetrics, scanner.metrics)
        MetricsEndpoint(
            metrics: metrics, jobs: maintenance.metrics, store: metadata.content, sections: [{ proxyMetrics.exposition }, { scanMetrics.exposition }])
            .addRoutes(to: router)
        if let authorizer {
            TokenEndpoint(authorizer: authorizer, mirror: mirror).addRoutes(to: router)
            managementAPI(authorizer).addRoutes(to: router)
        }
        // The web UI signs people in, so it needs accounts (not with `auth: none`).
        ui?.addRoutes(to: router)
        return router
    }

    /// The method and path of every registered route, from the router
    /// itself (for the OpenAPI test, which fails on an undocumented one).
    public var registeredRoutes: [(method: String, path: String)] {
        router().routes.map { (method: $0.method.rawValue, path: $0.path.description) }
    }

    public func application(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> some ApplicationProtocol {
        let router = router()
        let jobs = BackgroundJobs(jobs: backgroundJobs(), interval: .seconds(1), logger: logger)
        // Events move on a shorter beat: an idle turn touches no database.
        let (outbox, relay, webhooks, pulls) = (outbox, relay, webhooks, pulls)
        let eventJobs = BackgroundJobs(
            jobs: [
                .init(name: "write events to the outbox") { _ in try await outbox.flush() },
                .init(name: "record pull times") { _ in try await pulls.flush() },
                .init(name: "relay events to their consumers") { now in try await relay.relay(now: now) },
                .init(name: "deliver webhooks") { now in try await webhooks.deliver(now: now) },
            ], interval: .milliseconds(200), logger: logger)
        let (host, port) = try configuration.address
        let (logger, external) = (self.logger, scanner.external)
        // Idle and request head timeouts, and the per-address connection limit.
        let limit = configuration.maxConnectionsPerAddress
        let counter = limit > 0 ? ConnectionCounter(limit: limit, exempt: configuration.trustedProxies) : nil
        let headTimeout = TimeAmount.nanoseconds(Int64(configuration.requestHeadTimeout * 1e9))
        let idleTimeout = TimeAmount.nanoseconds(Int64(configuration.idleTimeout * 1e9))
        let handlers: @Sendable () -> [any RemovableChannelHandler] = {
            (counter.map { [ConnectionLimitHandler(counter: $0)] } ?? [])
                + [ExpectContinueHandler(), ConnectionTimeoutHandler(headTimeout: headTimeout, idleTimeout: idleTimeout)]
        }
        // Not Hummingbird's `idleTimeout`: it counts the time the server is
        // too busy to read (backpressure) as the client's silence.
        let http = HTTP1Channel.Configuration(additionalChannelHandlers: handlers())
        return Application(
            router: router,
            server: .http1(configuration: http),
            configuration: .init(address: .hostname(host, port: port), serverName: "berth"),
            services: [jobs, eventJobs] + cacheFollower(),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? port
                logger.notice("berth is listening", metadata: ["address": "\(host):\(bound)"])
                let reachable = ["0.0.0.0", "::", ""].contains(host) ? "127.0.0.1" : host.contains(":") ? "[\(host)]" : host
                external?.listeningURL.withLock { $0 = "http://\(reachable):\(bound)" }
                await onRunning(bound)
            },
            logger: logger)
    }

    /// On a shared PostgreSQL database, what keeps the caches true.
    private func cacheFollower() -> [any Service] {
        guard let database = metadata.database as? PostgresBackend else { return [] }
        return [CacheFollower(database: database, caches: [cache, settings, trustedSignatures], logger: logger)]
    }

    /// Serves until SIGTERM or SIGINT, then finishes in-flight requests,
    /// stops the background services and closes the stores, all within
    /// `shutdown_timeout` (the watchdog ends the process after that).
    public func run() async throws {
        let watchdog = ShutdownWatchdog(limit: configuration.shutdownTimeout, logger: logger)
        var group = ServiceGroupConfiguration(
            services: [try application(), watchdog.trigger], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // In-flight requests get all but the last 5 s (half, when the limit is short); then they are cancelled
        // and the stores close. No `maximumCancellationDuration`: past it ServiceGroup crashes the process
        // (fatalError), while the watchdog ends it with a log line that says where it was stuck.
        let limit = configuration.shutdownTimeout
        group.maximumGracefulShutdownDuration = .seconds(max(limit - 5, limit / 2))
        do {
            try await ServiceGroup(configuration: group).run()
        } catch {
            watchdog.arm(because: "\(error)")
            try? await shutdown(watchdog: watchdog)
            throw error
        }
        watchdog.arm(because: "stopped")
        try await shutdown(watchdog: watchdog)
    }

    /// Releases the database and threads; call after the application stopped.
    public func shutdown() async throws { try await shutdown(watchdog: nil) }

    private func shutdown(watchdog: ShutdownWatchdog?) async throws {
        watchdog?.enter("writing the last events")
        try? await outbox.flush()
        try? await relay.relay()
        watchdog?.enter("releasing the event relay's leases")
        await relay.releaseLeases()
        watchdog?.enter("recording pull times and rate counts")
        try? await pulls.flush()
        try? await rateLimiter?.sync()
        watchdog?.enter("stopping replication")
        await replicator.shutdown()
        await upstreams.shutdown()
        watchdog?.enter("closing the database")
        try await metadata.close()
        watchdog?.enter("stopping the disk threads")
        try await threadPool.shutdownGracefully()
    }
}

/// Push and pull policies beyond the built-in ones (tag immutability, tag
/// rules, quotas; trusted signatures), run after them in the order given, and event consumers beyond
/// the audit log and webhooks.
public struct Extensions: Sendable {
    public var push: [any PushPolicy]
    public var pull: [any PullPolicy]
    public var consumers: [any EventConsumer]

    public init(push: [any PushPolicy] = [], pull: [any PullPolicy] = [], consumers: [any EventConsumer] = []) {
        self.push = push
        self.pull = pull
        self.consumers = consumers
    }
}
