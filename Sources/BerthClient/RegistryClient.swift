import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import OCI

/// A client of any OCI registry, for what Berth's commands ask of other
/// registries: resolving a tag to its digest. It answers the registry's
/// challenge as Docker clients do: a `Bearer` challenge is exchanged for a
/// token at its realm (with Basic credentials when there are some), a
/// `Basic` one answered with the credentials.
public final class RegistryClient: Sendable {
    public struct Credentials: Sendable, Equatable {
        public let username: String
        public let password: String
        public init(username: String, password: String) { (self.username, self.password) = (username, password) }
    }

    let http: HTTPClient
    /// The credentials for a registry host, if any.
    let credentials: @Sendable (String) -> Credentials?
    /// Plain HTTP and unverified TLS are allowed (as skopeo's `--tls-verify=false`).
    let insecure: Bool

    public init(insecure: Bool, credentials: @escaping @Sendable (String) -> Credentials?) {
        var configuration = HTTPClient.Configuration(
            timeout: .init(connect: .seconds(10), read: .seconds(30)), decompression: .disabled)
        if insecure {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = .none
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
        let response = try await send(.HEAD, "/v2/\(reference.repository)/manifests/\(tag)", on: reference.registry, scope: reference.repository)
        guard response.status == .ok else {
            throw ClientError("\(reference.registry) answered \(response.status.code) for \(reference.repository):\(tag)")
        }
        guard let header = response.headers.first(name: "Docker-Content-Digest"), let digest = try? Digest(parsing: header) else {
            throw ClientError("\(reference.registry) gave no Docker-Content-Digest for \(reference.repository):\(tag)")
        }
        return digest
    }

    /// Sends a request, answering one authentication challenge.
    private func send(_ method: HTTPMethod, _ path: String, on host: String, scope repository: String) async throws -> HTTPClientResponse {
        let base = try await baseURL(host)
        var authorization: String?
        for _ in 0..<2 {
            var request = HTTPClientRequest(url: base + path)
            request.method = method
            request.headers.add(name: "Accept", value: Self.manifestTypes.joined(separator: ", "))
            if let authorization { request.headers.add(name: "Authorization", value: authorization) }
            let response = try await http.execute(request, timeout: .seconds(30))
            guard response.status == .unauthorized, authorization == nil,
                  let challenge = response.headers.first(name: "WWW-Authenticate").flatMap(Challenge.init)
            else { return response }
            _ = try? await response.body.collect(upTo: 1 << 16)
            authorization = try await answer(challenge, host: host, repository: repository)
        }
        throw ClientError("unreachable")
    }

    private func answer(_ challenge: Challenge, host: String, repository: String) async throws -> String {
        let credentials = credentials(host)
        let basic = credentials.map { "Basic " + Data("\($0.username):\($0.password)".utf8).base64EncodedString() }
        guard challenge.scheme == "bearer" else {
            guard let basic else { throw ClientError("\(host) asks for credentials; give --creds or log in with docker") }
            return basic
        }
        // Credentials travel to the realm over TLS, unless plain HTTP was allowed.
        guard let realm = challenge.parameters["realm"], var url = URLComponents(string: realm),
              url.scheme == "https" || (insecure && url.scheme == "http")
        else {
            throw ClientError("\(host)'s challenge names no usable realm (an https URL, or http with --tls-verify=false)")
        }
        url.queryItems = (challenge.parameters["service"].map { [URLQueryItem(name: "service", value: $0)] } ?? [])
            + [URLQueryItem(name: "scope", value: challenge.parameters["scope"] ?? "repository:\(repository):pull")]
        guard let tokenURL = url.string else { throw ClientError("\(host)'s realm is not a URL") }
        var request = HTTPClientRequest(url: tokenURL)
        if let basic { request.headers.add(name: "Authorization", value: basic) }
        let response = try await http.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .ok else { throw ClientError("\(host)'s token service answered \(response.status.code)") }
        struct Token: Decodable { let token: String?; let access_token: String? }
        guard let token = try? JSONDecoder().decode(Token.self, from: Data(body.readableBytesView)), let value = token.token ?? token.access_token else {
            throw ClientError("\(host)'s token service gave no token")
        }
        return "Bearer " + value
    }

    /// `https://host`, or with `insecure`, `http://host` when a registry
    /// answers plain HTTP there (a 200 or a challenge on `/v2/`, or the
    /// API version header: a TLS server's complaint about plain HTTP is neither).
    private func baseURL(_ host: String) async throws -> String {
        guard insecure else { return "https://" + host }
        if let response = try? await http.execute(HTTPClientRequest(url: "http://\(host)/v2/"), timeout: .seconds(10)) {
            _ = try? await response.body.collect(upTo: 1 << 16)
            let headers = response.headers
            if response.status == .ok || headers.contains(name: "Docker-Distribution-API-Version")
                || (response.status == .unauthorized && headers.contains(name: "WWW-Authenticate"))
            {
                return "http://" + host
            }
        }
        return "https://" + host
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
    init(_ description: String) { self.description = description }
}
