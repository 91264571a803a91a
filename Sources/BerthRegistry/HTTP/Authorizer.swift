import BerthAuth
import BerthMetadata
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Synchronization
import OCI

/// Token authentication for `/v2` (Docker token authentication spec):
/// Basic credentials or a Bearer token identify the caller; each route needs
/// one action on one repository; a caller without it gets 401 and a
/// challenge (no or bad credentials, or a token lacking the scope) or 403
/// (credentials fine, permission missing). A private repository therefore
/// answers exactly as a missing one does.
public struct Authorizer: Sendable {
    public let accounts: any AccountStore
    public let access: AccessController
    public let tokens: TokenService
    /// Long-lived tokens that only the token endpoint accepts (their
    /// audience differs, so `/v2` never does).
    public let refreshTokens: TokenService
    public let passwords: PasswordHasher
    /// Where clients fetch tokens; nil derives it from the request's Host.
    public let realm: String?
    let throttle: LoginThrottle
    /// Basic credentials verified in the last `basicCacheLifetime` seconds,
    /// by a hash of the header: bcrypt on every request of a client that
    /// sends Basic each time (curl, scripts) would cost ~50 ms a request.
    /// Changes made through the API clear it; those made with the CLI (another
    /// process) apply once entries expire.
    private let verifiedBasic = CredentialCache(lifetime: 30)
    let logger: Logger
    /// Whether a push into a project that does not exist creates it
    /// (private) instead of being refused.
    let autoCreateProjects: Bool
    /// Failed sign-ins go to the audit log.
    public let events: any EventSink

    public init(
        accounts: any AccountStore, tokens: TokenService, passwords: PasswordHasher, realm: String?,
        throttle: LoginThrottle = LoginThrottle(), autoCreateProjects: Bool = false, events: any EventSink = EventFanOut([]),
        logger: Logger
    ) {
        self.autoCreateProjects = autoCreateProjects
        self.events = events
        self.accounts = accounts
        self.access = AccessController(accounts: accounts)
        self.tokens = tokens
        self.refreshTokens = tokens.refreshing
        self.passwords = passwords
        self.realm = realm
        self.throttle = throttle
        self.logger = logger
    }

    /// Who sent `request`: anonymous, a user by Basic credentials, or the
    /// subject of a Bearer token (with the grants it carries).
    func authenticate(_ request: Request, source: String) async throws -> Caller {
        guard let header = request.headers[.authorization] else { return Caller(identity: .anonymous, grants: nil) }
        if header.hasPrefix("Bearer ") {
            do {
                let claims = try tokens.verify(String(header.dropFirst(7)))
                let identity: Identity =
                    if claims.sub.isEmpty { .anonymous }
                    else if claims.sub.hasPrefix(Robot.prefix) { .robot(name: claims.sub) }
                    else { .user(name: claims.sub, isAdmin: try await accounts.user(named: claims.sub)?.isAdmin ?? false) }
                return Caller(identity: identity, grants: claims.access)
            } catch let error as TokenError {
                throw challenge(request, scope: nil, message: error.description)
            }
        }
        if header.hasPrefix("Basic ") {
            guard let identity = try await signIn(basic: header, source: source) else {
                throw challenge(request, scope: nil, message: "invalid username or password")
            }
            return Caller(identity: identity, grants: nil)
        }
        throw challenge(request, scope: nil, message: "unsupported Authorization scheme")
    }

    /// The identity a `Basic` Authorization header signs in, or nil;
    /// remembered for a short while, so that clients sending it on every
    /// request (curl, scripts, the management API) pay bcrypt once.
    public func signIn(basic header: String, source: String) async throws -> Identity? {
        guard let (name, password) = Self.basic(header) else { return nil }
        if let identity = verifiedBasic.identity(for: header) { return identity }
        guard let identity = try await verifyPassword(name: name, password: password, source: source) else { return nil }
        verifiedBasic.remember(identity, for: header)
        return identity
    }

    /// The identity for a user name and password, or nil. The time taken
    /// does not tell whether the user exists; repeated failures for a user
    /// or from an address are slowed down (429) and logged, without the
    /// password.
    public func verifyPassword(name: String, password: String, source: String) async throws -> Identity? {
        let wait = await throttle.delay(user: name, address: source)
        guard wait == 0 else {
            logger.warning("sign-in throttled", metadata: ["user": "\(name.prefix(64))", "source": "\(source)", "wait": "\(Int(wait.rounded(.up)))"])
            events.record(RegistryEvent(
                .loginFailed, actor: Actor(name: String(name.prefix(64)), kind: "unverified", source: source), result: "failure",
                detail: "throttled"))
            throw RegistryError(.tooManyRequests, "too many failed sign-ins: retry in \(Int(wait.rounded(.up))) s")
        }
        let identity: Identity?
        if name.hasPrefix(Robot.prefix) {
            let robot = try await accounts.robot(named: name)
            let matches = await passwords.verifyOffPool(password, hash: robot?.secretHash ?? passwords.decoy)
            identity = robot.flatMap { matches && $0.isUsable() ? .robot(name: $0.name) : nil }
        } else {
            let user = try await accounts.user(named: name)
            let matches = await passwords.verifyOffPool(password, hash: user?.passwordHash ?? passwords.decoy)
            identity = user.flatMap { matches && !$0.isDisabled ? .user(name: $0.name, isAdmin: $0.isAdmin) : nil }
        }
        guard let identity else {
            await throttle.failed(user: name, address: source)
            logger.notice("sign-in failed", metadata: ["user": "\(name.prefix(64))", "source": "\(source)"])
            events.record(RegistryEvent(
                .loginFailed, actor: Actor(name: String(name.prefix(64)), kind: "unverified", source: source), result: "failure",
                detail: "invalid username or password"))
            return nil
        }
        await throttle.succeeded(user: name, address: source)
        return identity
    }

    /// Forgets every remembered Basic sign-in (after accounts changed).
    public func forgetVerifiedCredentials() {
        verifiedBasic.clear()
    }

    /// Checks that `caller` may perform `action` on `repository`. Pushes
    /// need the project to exist (or to be auto-created).
    func require(_ action: Action, on repository: RepositoryName, caller: Caller, request: Request) async throws {
        if action == .push, caller.identity != .anonymous, try await accounts.project(named: repository.project) == nil {
            guard autoCreateProjects, case .user(let name, let isAdmin) = caller.identity else {
                throw RegistryError(
                    .nameUnknown,
                    "project \(repository.project) does not exist: create it first (berth project add, or POST /api/v1/projects)",
                    detail: ["project": repository.project])
            }
            do {
                try await accounts.createProject(Project(name: repository.project, isPublic: false))
                // Only the caller whose create succeeded administers the project:
                // one racing it gets the permissions the winner gives it, if any.
                if !isAdmin { try await accounts.setMember(name, of: repository.project, role: .projectAdmin) }
                logger.notice("project created by a push", metadata: ["project": "\(repository.project)", "by": "\(name)"])
            } catch AccountStoreError.exists {}
        }
        let scope = "repository:\(repository):\(action == .pull ? "pull" : action == .push ? "pull,push" : action.rawValue)"
        if let grants = caller.grants {
            // A token may name a repository in several entries (containerd asks
            // for `pull` and `pull,push` in one request): any of them may grant.
            let granted = grants.filter { $0.type == "repository" && $0.name == repository.value }.flatMap(\.actions)
            if granted.contains(action.rawValue) || granted.contains("*") { return }
            // As Distribution answers: a token lacking the action is a 401
            // naming the scope needed, never a 403, because clients reuse a
            // pull token for a push (containerd, oras) and fetch a wider one
            // only when challenged. The token endpoint then narrows it to what
            // the caller really holds, and a second 401 ends the attempt.
            throw challenge(
                request, scope: scope, message: "the token does not grant \(action.rawValue) on \(repository)",
                error: "insufficient_scope")
        }
        if try await access.actions(of: caller.identity, on: repository).contains(action) { return }
        guard caller.identity != .anonymous else { throw challenge(request, scope: scope, message: nil) }
        throw RegistryError(.denied, detail: ["repository": repository.value, "action": action.rawValue])
    }

    /// The actions a token grants `identity` on `repository`: those it holds,
    /// or, for a push into a project that does not exist yet and will be
    /// created for this user (`auto_create_projects`), those its creator
    /// will hold, so that `docker login` + `docker push` work.
    public func grant(_ requested: Set<Action>, to identity: Identity, on repository: RepositoryName) async throws -> Set<Action> {
        if autoCreateProjects, requested.contains(.push), case .user = identity,
           try await accounts.project(named: repository.project) == nil
        {
            return requested.intersection(Permissions.actions(of: .projectAdmin))
        }
        return try await access.grant(requested, to: identity, on: repository)
    }

    /// Whether `caller` may read `repository` (for the catalog and mounts).
    func mayPull(_ repository: RepositoryName, caller: Caller) async throws -> Bool {
        if tokenGrantsPull(repository, caller: caller) { return true }
        return try await access.actions(of: caller.identity, on: repository).contains(.pull)
    }

    /// Whether the caller's token names `repository` with `pull`.
    func tokenGrantsPull(_ repository: RepositoryName, caller: Caller) -> Bool {
        caller.grants?.contains { $0.type == "repository" && $0.name == repository.value && $0.actions.contains("pull") } ?? false
    }

    /// A 401 with the `WWW-Authenticate` challenge that sends Docker
    /// clients to the token endpoint.
    func challenge(_ request: Request, scope: String?, message: String?, error: String? = nil) -> AuthenticationChallenge {
        var value = "Bearer realm=\"\(realmURL(request))\",service=\"\(tokens.service)\""
        if let scope { value += ",scope=\"\(scope)\"" }
        if let error { value += ",error=\"\(error)\"" }
        return AuthenticationChallenge(header: value, message: message ?? "authentication required")
    }

    func realmURL(_ request: Request) -> String {
        if let realm { return realm }
        let scheme = request.headers[HTTPField.Name("X-Forwarded-Proto")!] ?? "http"
        let host = request.headers[HTTPField.Name("X-Forwarded-Host")!] ?? request.head.authority ?? "localhost"
        return "\(scheme)://\(host)/service/token"
    }

    /// The user name and password of a `Basic` Authorization header.
    public static func basic(_ header: String) -> (String, String)? {
        guard let data = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
              let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }
}

/// The authenticated caller of one request.
public struct Caller: Sendable {
    public let identity: Identity
    /// The grants of a Bearer token; nil when Basic or anonymous, whose
    /// permissions are looked up instead.
    public let grants: [AccessEntry]?
}

/// Rendered as 401 `UNAUTHORIZED` with `WWW-Authenticate`.
public struct AuthenticationChallenge: Error {
    public let header: String
    public let message: String
}

/// Remembers verified credentials by their SHA-256 (never the secret itself)
/// for a short time, bounded in size.
final class CredentialCache: Sendable {
    private let entries = Mutex<[String: (identity: Identity, until: Date)]>([:])
    let lifetime: TimeInterval

    init(lifetime: TimeInterval) { self.lifetime = lifetime }

    private static func key(_ header: String) -> String { DigestHasher.digest(of: Array(header.utf8)).hex }

    func identity(for header: String, now: Date = Date()) -> Identity? {
        let key = Self.key(header)
        return entries.withLock { entries in
            guard let entry = entries[key], entry.until > now else { return nil }
            return entry.identity
        }
    }

    func remember(_ identity: Identity, for header: String, now: Date = Date()) {
        let key = Self.key(header)
        entries.withLock { entries in
            if entries.count >= 10_000 { entries.removeAll(keepingCapacity: true) }
            entries[key] = (identity, now.addingTimeInterval(lifetime))
        }
    }

    func clear() {
        entries.withLock { $0.removeAll() }
    }
}
