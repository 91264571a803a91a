import BerthPolicies
import BerthRegistry
import BerthS3
import Foundation
import Yams

/// Everything `berth serve` can be told, with the embedded defaults: listen
/// on 127.0.0.1:5000, keep data in ./berth-data. Layers, lowest first: these
/// defaults, a YAML file, `BERTH_*` environment variables, command-line flags.
public struct Configuration: Sendable, Equatable {
    /// `HOST:PORT` to listen on; `[::1]:5000` for IPv6.
    public var listen = "127.0.0.1:5000"
    /// Folder holding blobs, uploads and the SQLite database.
    public var data = "./berth-data"
    /// trace, debug, info, notice, warning, error or critical.
    public var logLevel = "info"
    /// `text` (human-readable key=value) or `json` (one object a line).
    public var logFormat = "text"
    /// Upload sessions idle longer than this are removed, in seconds.
    public var uploadMaxAge: TimeInterval = 24 * 3600
    /// How often abandoned uploads are looked for, in seconds.
    public var uploadReapInterval: TimeInterval = 600
    /// The largest blob accepted, in bytes.
    public var maxBlobSize: Int64 = 64 << 30
    /// Bytes of manifests the pull cache of a single node may hold.
    public var cacheBytes: Int64 = 64 << 20
    /// `token` (users, projects, roles; Docker token authentication) or
    /// `none` (anyone may do anything: the documented exception, for a
    /// private laptop registry).
    public var auth = "token"
    /// The password `admin` gets at first start; generated and logged once when unset.
    public var adminPassword: String?
    /// How long issued tokens last, in seconds.
    public var tokenLifetime: TimeInterval = 300
    /// The token endpoint clients are sent to; derived from each request's
    /// Host when unset (set it behind proxies that rewrite Host).
    public var realm: String?
    /// The `service` (audience) tokens are issued for.
    public var service = "berth"
    /// PEM file of the P-256 key tokens are signed with; generated into the
    /// data folder when unset (nodes sharing a database must share it).
    public var tokenKey: String?
    /// bcrypt cost for passwords.
    public var passwordCost: UInt8 = 10
    /// `admins` or `users`: who may create projects.
    public var usersCreateProjects = false
    /// Whether a push into a missing project creates it (private, the
    /// pusher its ProjectAdmin) instead of being refused.
    public var autoCreateProjects = false
    /// When garbage collection runs (cron, UTC), or nil for never.
    public var gcSchedule: String? = "0 3 * * *"
    /// Blobs and manifests younger than this are never collected: pushes in flight need them.
    public var gcGrace: TimeInterval = 3600
    /// Whether garbage collection also removes untagged manifests no index or live subject needs.
    public var gcDeleteUntagged = false
    /// Audit entries older than this are removed.
    public var auditRetention: TimeInterval = 90 * 86400
    /// The first retry of a failed webhook delivery waits this long; each next one twice as long.
    public var webhookRetryBase: TimeInterval = 10
    /// Attempts before a webhook delivery is given up.
    public var webhookMaxAttempts = 8
    /// Whether webhooks may target loopback, link-local, private and
    /// unspecified addresses (off: a ProjectAdmin cannot make the registry
    /// call internal services).
    public var webhookAllowPrivate = false
    /// Whether pulls are events (audit entries, webhook triggers). Off,
    /// pulls are still counted for retention's "not pulled for" rules.
    public var auditPulls = true
    /// Whether every artifact pushed (or cached by a pull-through cache) is scanned.
    public var scanOnPush = true
    /// A scanner adapter speaking the Harbor Pluggable Scanner API, for
    /// projects whose scanning setting names `external` or `both`.
    /// OSV archives (`all.zip` of each ecosystem) the vulnerability database is downloaded from.
    public var vulndbURLs: [String] = []
    /// When they are downloaded (cron, UTC); also at start while the database is empty.
    public var vulndbSchedule = "0 4 * * *"
    public var scannerURL: String?
    /// The `Authorization` header value that adapter wants.
    public var scannerAuthorization: String?
    /// The URL that adapter reaches this registry at; default: the address it listens on.
    public var scannerRegistryURL: String?
    /// Manifest pulls per window for anonymous addresses, users, robots and projects; off by default.
    public var rateLimits = PullRateLimits()
    /// Webhook deliveries delivered or given up longer ago than this are removed.
    public var webhookRetention: TimeInterval = 7 * 86400
    /// A web UI session ends after this long without a request…
    public var uiSessionIdle: TimeInterval = 3600
    /// …and this long after sign-in, whatever happens.
    public var uiSessionLifetime: TimeInterval = 12 * 3600
    /// `postgres://user:password@host:port/database` to share metadata between
    /// nodes; nil keeps SQLite in the data folder.
    public var database: String?
    /// Connections each node keeps open to that database.
    public var databaseConnections = 8
    /// `filesystem` (the data folder) or `s3`.
    public var storage = "filesystem"
    /// The S3 endpoint, bucket and options when `storage: s3`.
    public var s3Endpoint = "https://s3.amazonaws.com"
    public var s3Bucket = ""
    public var s3Region = "us-east-1"
    public var s3PathStyle = false
    public var s3Prefix = ""
    public var s3PartSize = 16 << 20
    /// Send blob downloads to presigned S3 URLs (307) instead of streaming them.
    public var s3RedirectDownloads = false
    /// Keys; `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN` when unset.
    public var s3AccessKey: String?
    public var s3SecretKey: String?
    /// Proxies whose `X-Forwarded-For` (the client's address) and
    /// `X-Forwarded-Proto`/`-Host` are believed; none by default.
    public var trustedProxies = TrustedProxies()
    /// A connection with no request for this long, or whose request stops
    /// sending for this long, is closed, in seconds.
    public var idleTimeout: TimeInterval = 60
    /// A request's head (request line and headers) must arrive within this, in seconds.
    public var requestHeadTimeout: TimeInterval = 30
    /// Mirror mode: names whose first component is not a project are served
    /// from this (pull-through cache) project, for docker's `registry-mirrors`.
    public var mirrorProject: String?
    /// Seals stored secrets (upstream registries' passwords); nodes sharing
    /// a database need the same one. Default: a random key in the data folder.
    public var secretKey: String?
    /// After SIGTERM, the time to finish requests, stop and close the
    /// stores; the process exits (status 1) if the stop takes longer.
    public var shutdownTimeout: TimeInterval = 25
    /// Open connections allowed from one client address (trusted proxies
    /// exempt); 0 for no limit.
    public var maxConnectionsPerAddress = 256

    public init() {}

    /// The keys of the YAML file and, upper-cased with a `BERTH_` prefix,
    /// of the environment.
    static let keys = [
        "listen", "data", "log_level", "log_format", "upload_max_age", "upload_reap_interval", "max_blob_size", "cache_bytes",
        "auth", "admin_password", "token_lifetime", "realm", "service", "password_cost", "project_creation",
        "auto_create_projects", "token_key", "gc_schedule", "gc_grace", "gc_delete_untagged", "audit_retention",
        "webhook_retry_base", "webhook_max_attempts", "webhook_allow_private", "webhook_retention", "ui_session_idle", "ui_session_lifetime", "audit_pulls", "scan_on_push",
        "scanner_url", "scanner_authorization", "scanner_registry_url", "vulndb_url", "vulndb_schedule", "database", "database_connections", "storage", "s3_endpoint", "s3_bucket", "s3_region",
        "s3_path_style", "s3_prefix", "s3_part_size", "s3_redirect_downloads", "s3_access_key", "s3_secret_key",
        "trusted_proxies", "idle_timeout", "request_head_timeout", "shutdown_timeout", "max_connections_per_address", "mirror_project", "secret_key",
        "rate_limit_anonymous", "rate_limit_users", "rate_limit_robots", "rate_limit_projects",
    ]

    /// Applies one setting given as text (from YAML, environment or a flag).
    public mutating func set(_ key: String, _ value: String) throws {
        switch key {
        case "listen":
            _ = try Self.parseListen(value)
            listen = value
        case "data": data = value
        case "log_level":
            guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(value) else {
                throw ConfigurationError("log_level must be trace, debug, info, notice, warning, error or critical")
            }
            logLevel = value
        case "log_format":
            guard ["text", "json"].contains(value) else { throw ConfigurationError("log_format must be text or json") }
            logFormat = value
        case "upload_max_age": uploadMaxAge = try Self.parseDuration(value, key: key)
        case "upload_reap_interval": uploadReapInterval = try Self.parseDuration(value, key: key)
        case "max_blob_size": maxBlobSize = try Self.parseSize(value, key: key)
        case "cache_bytes": cacheBytes = try Self.parseSize(value, key: key)
        case "auth":
            guard ["none", "token"].contains(value) else { throw ConfigurationError("auth must be none or token") }
            auth = value
        case "admin_password":
            guard value.count >= 8 else { throw ConfigurationError("admin_password must have at least 8 characters") }
            adminPassword = value
        case "token_lifetime": tokenLifetime = try Self.parseDuration(value, key: key)
        case "realm": realm = value
        case "token_key": tokenKey = value
        case "service":
            guard !value.isEmpty, !value.contains("\"") else { throw ConfigurationError("service must be a plain name") }
            service = value
        case "project_creation":
            guard ["admins", "users"].contains(value) else { throw ConfigurationError("project_creation must be admins or users") }
            usersCreateProjects = value == "users"
        case "auto_create_projects":
            guard let flag = Bool(value) else { throw ConfigurationError("auto_create_projects must be true or false") }
            autoCreateProjects = flag
        case "password_cost":
            guard let cost = UInt8(value), (4...31).contains(cost) else { throw ConfigurationError("password_cost must be 4 to 31") }
            passwordCost = cost
        case "gc_schedule":
            guard value == "off" || CronSchedule(value) != nil else {
                throw ConfigurationError("gc_schedule must be a cron expression such as '0 3 * * *', or off")
            }
            gcSchedule = value == "off" ? nil : value
        case "gc_grace": gcGrace = try Self.parseDuration(value, key: key)
        case "gc_delete_untagged":
            guard let flag = Bool(value) else { throw ConfigurationError("gc_delete_untagged must be true or false") }
            gcDeleteUntagged = flag
        case "audit_retention": auditRetention = try Self.parseDuration(value, key: key)
        case "webhook_retry_base": webhookRetryBase = try Self.parseDuration(value, key: key)
        case "webhook_max_attempts":
            guard let attempts = Int(value), (1...50).contains(attempts) else {
                throw ConfigurationError("webhook_max_attempts must be 1 to 50")
            }
            webhookMaxAttempts = attempts
        case "rate_limit_anonymous": rateLimits.anonymous = try Self.parseRateLimit(value, key: key)
        case "rate_limit_users": rateLimits.users = try Self.parseRateLimit(value, key: key)
        case "rate_limit_robots": rateLimits.robots = try Self.parseRateLimit(value, key: key)
        case "rate_limit_projects": rateLimits.projects = try Self.parseRateLimit(value, key: key)
        case "audit_pulls":
            guard let flag = Bool(value) else { throw ConfigurationError("audit_pulls must be true or false") }
            auditPulls = flag
        case "scanner_url", "scanner_registry_url":
            guard let url = URL(string: value), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw ConfigurationError("\(key) must be an http or https URL")
            }
            if key == "scanner_url" { scannerURL = value } else { scannerRegistryURL = value }
        case "scanner_authorization": scannerAuthorization = value
        case "vulndb_url":
            let urls = value.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
            for url in urls {
                guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
                    throw ConfigurationError("vulndb_url must be http or https URLs separated by spaces, not \(url)")
                }
            }
            vulndbURLs = urls
        case "vulndb_schedule":
            guard CronSchedule(value) != nil else { throw ConfigurationError("vulndb_schedule must be a cron expression such as \"0 4 * * *\"") }
            vulndbSchedule = value
        case "scan_on_push":
            guard let flag = Bool(value) else { throw ConfigurationError("scan_on_push must be true or false") }
            scanOnPush = flag
        case "webhook_allow_private":
            guard let flag = Bool(value) else { throw ConfigurationError("webhook_allow_private must be true or false") }
            webhookAllowPrivate = flag
        case "webhook_retention": webhookRetention = try Self.parseDuration(value, key: key)
        case "ui_session_idle": uiSessionIdle = try Self.parseDuration(value, key: key)
        case "ui_session_lifetime": uiSessionLifetime = try Self.parseDuration(value, key: key)
        case "database":
            guard value.hasPrefix("postgres://") || value.hasPrefix("postgresql://") else {
                throw ConfigurationError("database must be postgres://user:password@host:port/database")
            }
            database = value
        case "database_connections":
            guard let count = Int(value), (1...200).contains(count) else { throw ConfigurationError("database_connections must be 1 to 200") }
            databaseConnections = count
        case "storage":
            guard ["filesystem", "s3"].contains(value) else { throw ConfigurationError("storage must be filesystem or s3") }
            storage = value
        case "s3_endpoint":
            guard value.hasPrefix("http://") || value.hasPrefix("https://") else {
                throw ConfigurationError("s3_endpoint must be an http(s) URL")
            }
            s3Endpoint = value
        case "s3_bucket": s3Bucket = value
        case "s3_region": s3Region = value
        case "s3_path_style":
            guard let flag = Bool(value) else { throw ConfigurationError("s3_path_style must be true or false") }
            s3PathStyle = flag
        case "s3_prefix": s3Prefix = value.isEmpty || value.hasSuffix("/") ? value : value + "/"
        case "s3_part_size":
            let size = try Self.parseSize(value, key: key)
            guard size >= 5 << 20, size <= 5 << 30 else { throw ConfigurationError("s3_part_size must be 5MiB to 5GiB") }
            s3PartSize = Int(size)
        case "s3_redirect_downloads":
            guard let flag = Bool(value) else { throw ConfigurationError("s3_redirect_downloads must be true or false") }
            s3RedirectDownloads = flag
        case "s3_access_key": s3AccessKey = value
        case "s3_secret_key": s3SecretKey = value
        case "trusted_proxies":
            do { trustedProxies = try TrustedProxies(parsing: value) } catch { throw ConfigurationError("trusted_proxies: \(error)") }
        case "idle_timeout": idleTimeout = try Self.parseDuration(value, key: key)
        case "request_head_timeout": requestHeadTimeout = try Self.parseDuration(value, key: key)
        case "shutdown_timeout": shutdownTimeout = try Self.parseDuration(value, key: key)
        case "mirror_project": mirrorProject = value.isEmpty ? nil : value
        case "secret_key":
            guard value.utf8.count >= 16 else { throw ConfigurationError("secret_key must be at least 16 characters") }
            secretKey = value
        case "max_connections_per_address":
            guard let count = Int(value), count >= 0 else { throw ConfigurationError("max_connections_per_address must be 0 (no limit) or more") }
            maxConnectionsPerAddress = count
        default: throw ConfigurationError("unknown setting '\(key)' (known: \(Self.keys.joined(separator: ", ")))")
        }
    }

    /// Applies a YAML document of `key: value` pairs.
    public mutating func apply(yaml: String) throws {
        guard let node = try Yams.compose(yaml: yaml) else { return }
        guard let mapping = node.mapping else { throw ConfigurationError("the configuration file must be a mapping") }
        for (key, value) in mapping {
            // A list of ranges may be a YAML list.
            if key.string == "trusted_proxies", let list = value.sequence {
                try set("trusted_proxies", list.map { $0.string ?? "?" }.joined(separator: ","))
                continue
            }
            guard let key = key.string, let text = value.string else {
                throw ConfigurationError("setting '\(key.string ?? "?")' must be a plain value")
            }
            try set(key, text)
        }
    }

    /// `off`, or `<pulls>/<window>` such as `100/6h`.
    static func parseRateLimit(_ value: String, key: String) throws -> RateLimit? {
        if value == "off" { return nil }
        guard let limit = RateLimit(value) else {
            throw ConfigurationError("\(key) must be off or <pulls>/<window> with s, m, h or d, such as 100/6h (1 to 10^9 pulls, up to 30 days)")
        }
        return limit
    }

    /// Applies `BERTH_<KEY>` variables.
    public mutating func apply(environment: [String: String]) throws {
        for key in Self.keys {
            if let value = environment["BERTH_" + key.uppercased()] { try set(key, value) }
        }
    }

    /// The bucket settings when `storage: s3`.
    public var s3: S3Configuration {
        get throws {
            guard !s3Bucket.isEmpty else { throw ConfigurationError("storage: s3 needs s3_bucket") }
            let credentials = if let s3AccessKey, let s3SecretKey {
                AWSCredentials(accessKeyID: s3AccessKey, secretAccessKey: s3SecretKey)
            } else {
                AWSCredentials.fromEnvironment()
            }
            guard let credentials else {
                throw ConfigurationError("storage: s3 needs s3_access_key and s3_secret_key, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
            }
            return S3Configuration(
                endpoint: s3Endpoint, bucket: s3Bucket, region: s3Region, pathStyle: s3PathStyle, credentials: credentials,
                prefix: s3Prefix, partSize: s3PartSize, redirectDownloads: s3RedirectDownloads)
        }
    }

    /// What scheduled garbage collection does.
    public var collection: GarbageCollector.Options {
        GarbageCollector.Options(deleteUntagged: gcDeleteUntagged, grace: gcGrace)
    }

    /// Host and port of `listen`.
    public var address: (host: String, port: Int) {
        get throws { try Self.parseListen(listen) }
    }

    static func parseListen(_ value: String) throws -> (host: String, port: Int) {
        guard let colon = value.lastIndex(of: ":"), let port = Int(value[value.index(after: colon)...]),
              (0...65535).contains(port)
        else { throw ConfigurationError("listen must be HOST:PORT, for example 127.0.0.1:5000 (got '\(value)')") }
        var host = String(value[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw ConfigurationError("listen needs a host, for example 0.0.0.0:5000") }
        return (host, port)
    }

    /// `90`, `90s`, `15m`, `24h` or `7d`, in seconds.
    static func parseDuration(_ value: String, key: String) throws -> TimeInterval {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        var number = Substring(value)
        var unit = 1.0
        if let last = value.last, let factor = units[last] {
            number = number.dropLast()
            unit = factor
        }
        // Ten years bounds every duration: past it `inf` or `1e20` would
        // overflow the times computed from it.
        guard let amount = Double(number), amount.isFinite, amount > 0, amount * unit <= maxDuration else {
            throw ConfigurationError("\(key) must be a duration such as 90s, 15m, 24h or 7d, at most 3650d (got '\(value.prefix(64))')")
        }
        return amount * unit
    }

    static let maxDuration: TimeInterval = 3650 * 86400

    /// `1048576`, `512KiB`, `100MiB`, `64GiB`, in bytes.
    static func parseSize(_ value: String, key: String) throws -> Int64 {
        let units: [(String, Int64)] = [("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("TiB", 1 << 40)]
        for (suffix, factor) in units where value.hasSuffix(suffix) {
            if let amount = Int64(value.dropLast(suffix.count)), amount > 0 {
                let (bytes, overflow) = amount.multipliedReportingOverflow(by: factor)
                guard !overflow else { throw ConfigurationError("\(key) is too large (got '\(value.prefix(64))')") }
                return bytes
            }
        }
        guard let bytes = Int64(value), bytes > 0 else {
            throw ConfigurationError("\(key) must be a size such as 1048576, 512MiB or 64GiB (got '\(value)')")
        }
        return bytes
    }
}

public struct ConfigurationError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
