import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import OCI
import Synchronization

/// A client of any OCI registry, for what Berth's commands ask of other
/// registries: resolving tags, and copying manifests and blobs. It answers
/// the registry's challenge as Docker clients do: a `Bearer` challenge is
/// exchanged for a token at its realm (with Basic credentials when there
/// are some), a `Basic` one answered with the credentials. Answers are
/// remembered per host and scope until they expire.
public final class RegistryClient: Sendable {
    public struct Credentials: Sendable, Equatable {
        public let username: String
        public let password: String
        public init(username: String, password: String) { (self.username, self.password) = (username, password) }

        /// `USER:PASSWORD`, as `--creds` takes it.
        public init?(colonSeparated text: String) {
            guard let colon = text.firstIndex(of: ":") else { return nil }
            self.init(username: String(text[..<colon]), password: String(text[text.index(after: colon)...]))
        }
    }

    let http: HTTPClient
    /// The credentials for a registry host, if any.
    let credentials: @Sendable (String) -> Credentials?
    /// Plain HTTP and unverified TLS are allowed (as skopeo's `--tls-verify=false`).
    let insecure: Bool
    /// `Authorization` values by host and scope, with when they stop being good.
    private let authorizations = Mutex<[String: (value: String, until: Date)]>([:])
    /// Each host's base URL, once known.
    private let bases = Mutex<[String: String]>([:])

    /// Told the headers of every answer a registry gives (the pull-through cache reads the upstream's rate limit there).
    let onResponse: (@Sendable (_ host: String, _ headers: HTTPHeaders) -> Void)?

    /// `caFile`: a PEM file of the certificates to trust instead of the system's.
    public init(
        insecure: Bool, caFile: String? = nil, credentials: @escaping @Sendable (String) -> Credentials?,
        onResponse: (@Sendable (_ host: String, _ headers: HTTPHeaders) -> Void)? = nil
    ) {
        self.onResponse = onResponse
        // The read timeout bounds each wait for bytes, not a transfer: a 40 GB blob is fine.
        var configuration = HTTPClient.Configuration(
            timeout: .init(connect: .seconds(10), read: .seconds(60)), decompression: .disabled)
        // Redirects are followed by `send`, which keeps credentials from other hosts.
        configuration.redirectConfiguration = .disallow
        // A refused connection fails at once (the pool would retry until the
        // connect timeout); `send` repeats what can be repeated, briefly.
        configuration.connectionPool.retryConnectionEstablishment = false
        if insecure || caFile != nil {
            var tls = TLSConfiguration.makeClientConfiguration()
            if insecure { tls.certificateVerification = .none }
            if let caFile { tls.trustRoots = .file(caFile) }
            configuration.tlsConfiguration = tls
        }
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.credentials = credentials
        self.insecure = insecure
    }

    public func shutdown() async throws {
        try await http.shutdown()
    }

    static let manifestTypes = [MediaType.ociIndex, MediaType.dockerManifestList, MediaType.ociManifest, MediaType.dockerManifest]

    /// The digest `reference`'s tag points at now.
    public func digest(of reference: ImageReference) async throws -> Digest {
        guard let tag = reference.tag else {
            if let digest = reference.digest { return digest }
            throw ClientError("\(reference) names neither a tag nor a digest")
        }
        let response = try await send(.HEAD, "/v2/\(reference.repository)/manifests/\(tag)", on: reference.registry, scope: .pull(reference.repository))
        guard response.status == .ok else {
            throw ClientError("\(reference.registry) answered \(response.status.code) for \(reference.repository):\(tag)", status: Int(response.status.code))
        }
        guard let header = response.headers.first(name: "Docker-Content-Digest"), let digest = try? Digest(parsing: header) else {
            throw ClientError("\(reference.registry) gave no Docker-Content-Digest for \(reference.repository):\(tag)")
        }
        return digest
    }

    /// Whether `host` answers the API and takes the credentials (`GET /v2/`, signing in if asked).
    public func ping(_ host: String) async throws {
        let response = try await send(.GET, "/v2/", on: host, scope: Scope(items: []))
        let body = try? await response.body.collect(upTo: 1 << 16)
        guard response.status == .ok else {
            throw ClientError("\(host) answered \(response.status.code)\(body.map(Self.errorText) ?? "")", status: Int(response.status.code))
        }
    }

    /// Signs in for `scope` before a request that a registry may answer
    /// without asking (a catalog shows anonymous callers the public part:
    /// Berth, Harbor), so the answer covers what the credentials may see.
    func signIn(_ host: String, for scope: Scope) async throws {
        guard credentials(host) != nil, cachedAuthorization(host: host, scope: scope) == nil else { return }
        let response = try await http.execute(HTTPClientRequest(url: try await baseURL(host) + "/v2/"), timeout: .seconds(30))
        _ = try? await response.body.collect(upTo: 1 << 16)
        guard response.status == .unauthorized, let challenge = response.headers.first(name: "WWW-Authenticate").flatMap(Challenge.init) else { return }
        try await answer(challenge, host: host, scope: scope)
    }

    /// What a request needs: `repository:NAME:ACTIONS` for one or two repositories, or the catalog.
    struct Scope: Sendable {
        let items: [String]
        static func pull(_ repository: String) -> Scope { Scope(items: ["repository:\(repository):pull"]) }
        static func push(_ repository: String, mountingFrom source: String? = nil) -> Scope {
            Scope(items: ["repository:\(repository):pull,push"] + (source.map { ["repository:\($0):pull"] } ?? []))
        }
        static func delete(_ repository: String) -> Scope { Scope(items: ["repository:\(repository):delete"]) }
        static let catalog = Scope(items: ["registry:catalog:*"])
        var key: String { items.joined(separator: " ") }
    }

    /// Attempts for a request that can be repeated, and the longest `Retry-After` honoured.
    static let attempts = 4
    static let longestRetryAfter: TimeInterval = 30

    /// Sends a request, answering authentication challenges. Requests
    /// without a body, or whose body can be made again, are repeated after
    /// a connection failure, a 429 or a 5xx (honouring `Retry-After`, else
    /// backing off from 0.5 s); a streamed body is sent once.
    func send(
        _ method: HTTPMethod, _ path: String, on host: String, scope: Scope, headers: [(String, String)] = [],
        body: (@Sendable () -> HTTPClientRequest.Body)? = nil, repeatable: Bool = true, deadline: TimeAmount = .seconds(60)
    ) async throws -> HTTPClientResponse {
        let base = try await baseURL(host)
        var url = path.hasPrefix("http://") || path.hasPrefix("https://") ? path : base + path
        var challenged = false
        var attempt = 0
        var redirects = 0
        while true {
            attempt += 1
            var request = HTTPClientRequest(url: url)
            request.method = method
            if !headers.contains(where: { $0.0.lowercased() == "accept" }) {
                request.headers.add(name: "Accept", value: Self.manifestTypes.joined(separator: ", "))
            }
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            // A redirect elsewhere (a bucket's signed URL) gets no credentials of ours.
            let sameHost = URL(string: url).map { Self.authority($0) } == URL(string: base).map { Self.authority($0) }
            if sameHost, let authorization = cachedAuthorization(host: host, scope: scope) { request.headers.add(name: "Authorization", value: authorization) }
            if let body { request.body = body() }
            let response: HTTPClientResponse
            do {
                response = try await http.execute(request, timeout: deadline)
            } catch {
                guard repeatable, attempt < Self.attempts, !(error is CancellationError) else { throw error }
                try await Task.sleep(for: .milliseconds(500 << (attempt - 1)))
                continue
            }
            // Only our registry's own challenge is answered with its credentials, never a redirect target's.
            if response.status == .unauthorized, !challenged, repeatable, sameHost,
               let challenge = response.headers.first(name: "WWW-Authenticate").flatMap(Challenge.init)
            {
                _ = try? await response.body.collect(upTo: 1 << 16)
                challenged = true
                try await answer(challenge, host: host, scope: scope)
                continue
            }
            onResponse?(host, response.headers)
            let status = response.status.code
            if [301, 302, 303, 307, 308].contains(status), method == .GET || method == .HEAD, redirects < 5,
               let location = response.headers.first(name: "Location"), let next = URL(string: location, relativeTo: URL(string: url))?.absoluteURL,
               next.scheme == "https" || (next.scheme == "http" && (insecure || url.hasPrefix("http://")))
            {
                _ = try? await response.body.collect(upTo: 1 << 16)
                redirects += 1
                url = next.absoluteString
                continue
            }
            guard repeatable, attempt < Self.attempts, status == 429 || (500...599).contains(status) else { return response }
            _ = try? await response.body.collect(upTo: 1 << 16)
            // Whole seconds only (`nan`, `inf` or `1e400` would trap the sleep), at most 30.
            let told = response.headers.first(name: "Retry-After")
                .flatMap { $0.count <= 6 && !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) ? Int($0) : nil }
                .map { TimeInterval(min($0, Int(Self.longestRetryAfter))) }
            try await Task.sleep(for: .seconds(told ?? 0.5 * Double(1 << (attempt - 1))))
        }
    }

    static func authority(_ url: URL) -> String {
        (url.scheme ?? "") + "://" + (url.host ?? "") + ":" + (url.port.map(String.init) ?? "")
    }

    private func cachedAuthorization(host: String, scope: Scope) -> String? {
        let key = host + " " + scope.key
        return authorizations.withLock { cached in
            guard let entry = cached[key] else { return nil }
            guard entry.until > Date() else {
                cached[key] = nil
                return nil
            }
            return entry.value
        }
    }

    /// Authorizations remembered at most: one per host and scope (a replication touches many repositories).
    static let rememberedAuthorizations = 10_000

    private func remember(_ value: String, until: Date, for key: String) {
        authorizations.withLock { cached in
            if cached.count >= Self.rememberedAuthorizations {
                let now = Date()
                cached = cached.filter { $0.value.until > now }
                if cached.count >= Self.rememberedAuthorizations { cached.removeAll(keepingCapacity: true) }
            }
            cached[key] = (value, until)
        }
    }

    /// Answers `challenge` and remembers the answer for `host` and `scope`.
    private func answer(_ challenge: Challenge, host: String, scope: Scope) async throws {
        let credentials = credentials(host)
        let basic = credentials.map { "Basic " + Data("\($0.username):\($0.password)".utf8).base64EncodedString() }
        let key = host + " " + scope.key
        guard challenge.scheme == "bearer" else {
            guard let basic else { throw ClientError("\(host) asks for credentials; give --creds or log in with docker") }
            remember(basic, until: .distantFuture, for: key)
            return
        }
        // Credentials travel to the realm over TLS, unless plain HTTP was allowed.
        guard let realm = challenge.parameters["realm"], var url = URLComponents(string: realm),
              url.scheme == "https" || (insecure && url.scheme == "http")
        else {
            throw ClientError("\(host)'s challenge names no usable realm (an https URL, or http with --tls-verify=false)")
        }
        var scopes = scope.items
        if let asked = challenge.parameters["scope"], !scopes.contains(asked) { scopes.append(asked) }
        url.queryItems = (url.queryItems ?? []) + (challenge.parameters["service"].map { [URLQueryItem(name: "service", value: $0)] } ?? [])
            + scopes.map { URLQueryItem(name: "scope", value: $0) }
        guard let tokenURL = url.string else { throw ClientError("\(host)'s realm is not a URL") }
        var request = HTTPClientRequest(url: tokenURL)
        if let basic { request.headers.add(name: "Authorization", value: basic) }
        let response = try await http.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .ok else { throw ClientError("\(host)'s token service answered \(response.status.code)") }
        struct Token: Decodable { let token: String?; let access_token: String?; let expires_in: Int? }
        guard let token = try? JSONDecoder().decode(Token.self, from: Data(body.readableBytesView)), let value = token.token ?? token.access_token else {
            throw ClientError("\(host)'s token service gave no token")
        }
        // The spec's default lifetime is 60 s; a token is renewed 10 s before it ends.
        let lifetime = TimeInterval(min(max(token.expires_in ?? 60, 20), 86_400)) - 10
        remember("Bearer " + value, until: Date().addingTimeInterval(lifetime), for: key)
    }

    /// `https://host`, or with `insecure`, `http://host` when a registry
    /// answers plain HTTP there (a 200 or a challenge on `/v2/`, or the
    /// API version header: a TLS server's complaint about plain HTTP is neither).
    func baseURL(_ host: String) async throws -> String {
        guard insecure else { return "https://" + host }
        if let known = bases.withLock({ $0[host] }) { return known }
        var base = "https://" + host
        if let response = try? await http.execute(HTTPClientRequest(url: "http://\(host)/v2/"), timeout: .seconds(10)) {
            _ = try? await response.body.collect(upTo: 1 << 16)
            let headers = response.headers
            if response.status == .ok || headers.contains(name: "Docker-Distribution-API-Version")
                || (response.status == .unauthorized && headers.contains(name: "WWW-Authenticate"))
            {
                base = "http://" + host
            }
        }
        bases.withLock { $0[host] = base }
        return base
    }
}

/// A `WWW-Authenticate` challenge: a scheme and its parameters.
struct Challenge {
    let scheme: String
    let parameters: [String: String]

    init?(_ header: String) {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard let space = trimmed.firstIndex(of: " ") else {
            guard !trimmed.isEmpty else { return nil }
            (scheme, parameters) = (trimmed.lowercased(), [:])
            return
        }
        scheme = trimmed[..<space].lowercased()
        var parameters: [String: String] = [:]
        var rest = trimmed[trimmed.index(after: space)...]
        while let equals = rest.firstIndex(of: "=") {
            let key = rest[..<equals].trimmingCharacters(in: CharacterSet(charactersIn: " ,")).lowercased()
            rest = rest[rest.index(after: equals)...]
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                let close = rest.firstIndex(of: "\"") ?? rest.endIndex
                value = String(rest[..<close])
                rest = close < rest.endIndex ? rest[rest.index(after: close)...] : rest[rest.endIndex...]
            } else {
                let comma = rest.firstIndex(of: ",") ?? rest.endIndex
                value = String(rest[..<comma])
                rest = rest[comma...]
            }
            parameters[key] = value
        }
        self.parameters = parameters
    }
}

public struct ClientError: Error, CustomStringConvertible {
    public let description: String
    /// The registry's HTTP status, when it answered.
    public let status: Int?
    public init(_ description: String, status: Int? = nil) { (self.description, self.status) = (description, status) }
}
