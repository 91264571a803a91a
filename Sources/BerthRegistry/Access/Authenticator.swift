import BerthAuth
import BerthMetadata
import Foundation
import Logging
import OCI

/// Turns credentials into identities: passwords and robot secrets (bcrypt,
/// throttled, failures audited), Basic headers (remembered briefly), access
/// tokens and refresh tokens. The only place credentials are checked.
public struct Authenticator: Sendable {
    public let accounts: any AccountStore
    public let tokens: TokenService
    /// Long-lived tokens that only the token endpoint accepts (their
    /// audience differs, so `/v2` never does).
    public let refreshTokens: TokenService
    public let passwords: PasswordHasher
    let throttle: LoginThrottle
    /// Basic credentials verified in the last 30 seconds, by a hash of the
    /// header: bcrypt on every request of a client that sends Basic each
    /// time (curl, scripts) would cost ~50 ms a request. Changes made
    /// through the API clear it; those made with the CLI (another process)
    /// apply once entries expire.
    private let verifiedBasic = CredentialCache(lifetime: 30)
    /// Whether personal access tokens still exist, checked at most every 2 s
    /// for the access tokens issued from them (a revocation here is at once).
    private let liveTokens = LiveTokens()
    /// Failed sign-ins go to the audit log.
    let events: any EventSink
    let logger: Logger

    public init(
        accounts: any AccountStore, tokens: TokenService, passwords: PasswordHasher, throttle: LoginThrottle, events: any EventSink,
        logger: Logger
    ) {
        self.accounts = accounts
        self.tokens = tokens
        self.refreshTokens = tokens.refreshing
        self.passwords = passwords
        self.throttle = throttle
        self.events = events
        self.logger = logger
    }

    /// The ways a request may carry credentials, in the order they are tried.
    var resolvers: [any CredentialResolver] {
        [BearerTokenResolver(authenticator: self), BasicResolver(authenticator: self)]
    }

    /// The subject of an access token, with the grants it carries.
    func caller(bearer token: String) async throws -> Caller {
        let claims = try tokens.verify(token)
        var limit: TokenLimit?
        if let pat = claims.pat {
            guard try await isLive(pat) else { throw TokenError.revoked }
            // Its grants alone: nothing the owner could reach beyond them (mounts, the catalog).
            limit = TokenLimit(token: pat, projects: [:])
        }
        if let rule = claims.fed, try await !isLive(federationRule: rule) { throw TokenError.revoked }
        let identity: Identity =
            if claims.sub.isEmpty { .anonymous }
            else if claims.sub.hasPrefix(Robot.prefix) { .robot(name: claims.sub) }
            else { .user(name: claims.sub, isAdmin: try await accounts.user(named: claims.sub)?.isAdmin ?? false) }
        return Caller(identity: identity, grants: claims.access, limit: limit)
    }

    /// The identity a `Basic` Authorization header signs in, or nil. With
    /// `remembering`, kept for a short while, so that clients sending it on
    /// every request (curl, scripts, the management API) pay bcrypt once.
    public func signIn(basic header: String, source: String, remembering: Bool = true) async throws -> SignedIn? {
        guard let (name, password) = Self.basic(header) else { return nil }
        if remembering, let signedIn = verifiedBasic.signedIn(for: header) { return signedIn }
        guard let signedIn = try await verifyPassword(name: name, password: password, source: source) else { return nil }
        // Personal access tokens are cheap to check and must stop at once on every node when revoked: not remembered.
        if remembering, signedIn.limit == nil { verifiedBasic.remember(signedIn, for: header) }
        return signedIn
    }

    /// The identity for a user name and password, or nil. The time taken
    /// does not tell whether the user exists; repeated failures for a user
    /// or from an address are slowed down (429) and logged, without the
    /// password.
    public func verifyPassword(name: String, password: String, source: String) async throws -> SignedIn? {
        let wait = await throttle.delay(user: name, address: source)
        guard wait == 0 else {
            logger.warning("sign-in throttled", metadata: ["user": "\(name.prefix(64))", "source": "\(source)", "wait": "\(Int(wait.rounded(.up)))"])
            recordFailure(name: name, source: source, detail: "throttled")
            throw RegistryError(.tooManyRequests, "too many failed sign-ins: retry in \(Int(wait.rounded(.up))) s")
        }
        var identity: Identity?
        var limit: TokenLimit?
        if password.hasPrefix(PersonalToken.prefix), let (user, token) = try await personalToken(name: name, secret: password) {
            identity = .user(name: user.name, isAdmin: user.isAdmin)
            limit = token
        } else if name.hasPrefix(Robot.prefix) {
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
            recordFailure(name: name, source: source, detail: "invalid username or password")
            return nil
        }
        await throttle.succeeded(user: name, address: source)
        return SignedIn(identity: identity, limit: limit)
    }

    /// The usable user whose usable personal access token `secret` is, with what it allows.
    private func personalToken(name: String, secret: String) async throws -> (User, TokenLimit)? {
        guard let user = try await accounts.user(named: name), !user.isDisabled,
              let token = try await accounts.personalToken(of: name, secretHash: Self.secretHash(secret)), token.isUsable()
        else { return nil }
        let projects = token.projects.mapValues { Set($0.compactMap(Action.init(rawValue:))) }
        return (user, TokenLimit(token: Self.instance(of: token), projects: projects))
    }

    /// Personal access tokens are random and long: SHA-256 is enough, and cheap at every sign-in.
    public static func secretHash(_ secret: String) -> String { DigestHasher.digest(of: Array(secret.utf8)).hex }

    /// Names one token for its whole life, `user/name@created`: a token made
    /// again under the same name is another one.
    public static func instance(of token: PersonalToken) -> String {
        "\(token.user)/\(token.name)@\(Int64((token.createdAt.timeIntervalSince1970 * 1000).rounded()))"
    }

    /// Whether the personal access token instance still exists and is usable.
    func isLive(_ token: String) async throws -> Bool {
        if let known = liveTokens.known(token) { return known }
        guard let slash = token.firstIndex(of: "/") else { return false }
        let user = String(token[..<slash])
        let exists = try await accounts.personalTokens(of: user).contains { Self.instance(of: $0) == token && $0.isUsable() }
        let usable = try await accounts.user(named: user).map { !$0.isDisabled } ?? false
        let live = exists && usable
        liveTokens.remember(token, live: live, for: 2)
        return live
    }

    /// Whether the federation rule that issued a token still exists (checked at most every 2 s).
    func isLive(federationRule name: String) async throws -> Bool {
        let key = "rule:" + name
        if let known = liveTokens.known(key) { return known }
        let live = try await accounts.federationRules().contains { $0.name == name }
        liveTokens.remember(key, live: live, for: 2)
        return live
    }

    /// A federation rule was deleted through this node: its tokens end now.
    public func deleted(federationRule name: String) {
        liveTokens.remember("rule:" + name, live: false, for: 2)
    }

    /// A token was revoked through this node: its sign-ins and access tokens end now.
    public func revoked(personalToken token: String) {
        // An instance, once revoked, never comes back: remembered for longer than its tokens live.
        liveTokens.remember(token, live: false, for: 86_400)
    }

    private func recordFailure(name: String, source: String, detail: String) {
        events.record(RegistryEvent(
            .loginFailed, actor: Actor(name: String(name.prefix(64)), kind: "unverified", source: source), result: "failure", detail: detail))
    }

    /// The identity a refresh token was issued to, if it is still valid, the
    /// account still usable, and its password or secret unchanged since.
    func identity(refreshToken token: String) async throws -> Identity? {
        guard let claims = try? refreshTokens.verify(token), !claims.sub.isEmpty,
              let (identity, generation) = try await credential(of: claims.sub), claims.gen == generation
        else { return nil }
        return identity
    }

    /// A usable account's identity and credential generation (which a
    /// refresh token names, so that a new password or secret voids it).
    func credential(of name: String) async throws -> (Identity, String)? {
        if name.hasPrefix(Robot.prefix) {
            guard let robot = try await accounts.robot(named: name), robot.isUsable() else { return nil }
            return (.robot(name: robot.name), TokenService.generation(ofCredentialHash: robot.secretHash))
        }
        guard let user = try await accounts.user(named: name), !user.isDisabled else { return nil }
        return (.user(name: user.name, isAdmin: user.isAdmin), TokenService.generation(ofCredentialHash: user.passwordHash))
    }

    /// Forgets every remembered Basic sign-in (after accounts changed).
    public func forgetVerifiedCredentials() {
        verifiedBasic.clear()
    }

    /// The user name and password of a `Basic` Authorization header.
    public static func basic(_ header: String) -> (String, String)? {
        guard let data = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
              let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }
}
