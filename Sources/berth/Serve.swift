import ArgumentParser
import BerthServer
import Foundation
import Logging

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the registry.",
        discussion: """
            With no options Berth listens on 127.0.0.1:5000 and keeps its data in ./berth-data \
            (SQLite and the local filesystem). Settings come from, lowest first: the defaults, \
            the YAML file given with --config, BERTH_* environment variables (BERTH_LISTEN, \
            BERTH_DATA, BERTH_LOG_LEVEL, BERTH_LOG_FORMAT, BERTH_UPLOAD_MAX_AGE, \
            BERTH_UPLOAD_REAP_INTERVAL, BERTH_MAX_BLOB_SIZE, BERTH_AUTH, BERTH_ADMIN_PASSWORD, \
            BERTH_TOKEN_LIFETIME, BERTH_REALM, BERTH_SERVICE, BERTH_PASSWORD_COST, BERTH_GC_SCHEDULE, \
            BERTH_DATABASE, BERTH_STORAGE, BERTH_S3_BUCKET, … — every YAML key upper-cased), and these flags. \
            The README's configuration table lists every key; docs/several-nodes.md the S3 and PostgreSQL ones.
            """)

    @Option(name: .long, help: "YAML configuration file (keys: listen, data, log_level, log_format, upload_max_age, upload_reap_interval, max_blob_size, cache_bytes, auth, admin_password, token_lifetime, realm, service, token_key, password_cost, project_creation, auto_create_projects, gc_schedule, gc_grace, gc_delete_untagged, audit_retention, webhook_retry_base, webhook_max_attempts, webhook_allow_private, webhook_retention, ui_session_idle, ui_session_lifetime, trusted_proxies, idle_timeout, request_head_timeout, max_connections_per_address, database, database_connections, storage, s3_*; see examples/berth.yaml).")
    var config: String?

    @Option(name: .long, help: "Address to listen on, HOST:PORT (default 127.0.0.1:5000; port 0 picks a free one).")
    var listen: String?

    @Option(name: .long, help: "Data folder for blobs, uploads and the database (default ./berth-data).")
    var data: String?

    @Option(name: .long, help: "trace, debug, info, notice, warning, error or critical (default info).")
    var logLevel: String?

    @Option(name: .long, help: "text or json (default text).")
    var logFormat: String?

    @Option(name: .long, help: "Remove upload sessions idle longer than this: 90s, 15m, 24h, 7d (default 24h).")
    var uploadMaxAge: String?

    @Option(name: .long, help: "How often to look for abandoned uploads (default 10m).")
    var uploadReapInterval: String?

    @Option(name: .long, help: "Largest blob accepted: bytes or 512MiB, 64GiB (default 64GiB).")
    var maxBlobSize: String?

    @Option(name: .long, help: "token (users, projects, robots, Docker token auth; the default) or none (anyone may push: only for a private laptop registry).")
    var auth: String?

    @Option(name: .long, help: "Lifetime of issued tokens (default 5m).")
    var tokenLifetime: String?

    @Option(name: .long, help: "Token endpoint URL given to clients (default: derived from the request's Host).")
    var realm: String?

    @Option(name: .long, help: "Proxies whose X-Forwarded-For/-Proto/-Host are believed: comma-separated ranges such as 10.0.0.0/8,fd00::/8 (default none).")
    var trustedProxies: String?

    func run() async throws {
        let configuration = try resolve()
        let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
        let json = configuration.logFormat == "json"
        LoggingSystem.bootstrap { label in
            var handler = LineLogHandler(label: label, format: json ? .json : .text)
            handler.logLevel = level
            return handler
        }
        defer { LineLogHandler.flush() }
        let logger = Logger(label: "berth")
        let server = try await Server(configuration: configuration, logger: logger)
        try await server.run()
    }

    /// Defaults, then the file, then the environment, then the flags.
    private func resolve() throws -> Configuration {
        var configuration = Configuration()
        do {
            if let config {
                try configuration.apply(yaml: String(contentsOfFile: config, encoding: .utf8))
            }
            try configuration.apply(environment: ProcessInfo.processInfo.environment)
            let flags: [(String, String?)] = [
                ("listen", listen), ("data", data), ("log_level", logLevel), ("log_format", logFormat),
                ("upload_max_age", uploadMaxAge), ("upload_reap_interval", uploadReapInterval),
                ("max_blob_size", maxBlobSize), ("auth", auth), ("token_lifetime", tokenLifetime), ("realm", realm),
                ("trusted_proxies", trustedProxies),
            ]
            for case let (key, value?) in flags { try configuration.set(key, value) }
        } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        }
        return configuration
    }
}
