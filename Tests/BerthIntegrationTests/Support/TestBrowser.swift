import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A browser as far as the UI's HTTP goes: it keeps cookies, follows no
/// redirects (tests look at them), and posts forms the way browsers do.
final class TestBrowser: @unchecked Sendable {
    let base: String
    private let client = HTTPClient(configuration: .init(redirectConfiguration: .disallow))
    private(set) var cookies: [String: String] = [:]

    init(_ registry: some RegistryClient) { base = registry.base }

    deinit { try? client.syncShutdown() }

    /// A cookie as if a response had set it (a stolen or replayed one).
    func remember(_ name: String, _ value: String) { cookies[name] = value }

    func get(_ path: String) async throws -> TestResponse { try await send(.GET, path, body: nil) }

    func post(_ path: String, _ fields: [(String, String)]) async throws -> TestResponse {
        let encoded = fields.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        return try await send(.POST, path, body: Array(encoded.utf8), type: "application/x-www-form-urlencoded")
    }

    /// Signs in through the login form; returns the answer to the form.
    @discardableResult
    func signIn(_ user: String, _ password: String, next: String = "/projects") async throws -> TestResponse {
        let form = try await get("/login")
        return try await post("/login", [("username", user), ("password", password), ("next", next), ("csrf", try Self.csrf(in: form))])
    }

    /// The hidden `csrf` input of a page's forms.
    static func csrf(in page: TestResponse) throws -> String {
        guard let range = page.text.range(of: #"name="csrf" value="([0-9a-f]+)""#, options: .regularExpression) else {
            throw TestFailure("no csrf input in the page: \(page.text.prefix(300))")
        }
        return String(page.text[range].split(separator: "\"")[3])
    }

    func send(
        _ method: HTTPMethod, _ path: String, body: [UInt8]?, type: String? = nil, headers: [(String, String)] = []
    ) async throws -> TestResponse {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if !cookies.isEmpty { request.headers.add(name: "Cookie", value: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")) }
        if let type { request.headers.add(name: "Content-Type", value: type) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await client.execute(request, timeout: .seconds(30))
        for header in response.headers[canonicalForm: "Set-Cookie"] {
            let pair = header.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(pair[0])
            let value = pair.count > 1 ? String(pair[1]) : ""
            if value.isEmpty || header.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
        }
        let collected = try await response.body.collect(upTo: 16 << 20)
        return TestResponse(
            status: Int(response.status.code), headers: response.headers,
            body: collected.getBytes(at: collected.readerIndex, length: collected.readableBytes) ?? [])
    }

    private static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
