import AsyncHTTPClient
import BerthAuth
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// The client of a scanner adapter that speaks the Harbor Pluggable Scanner
/// API (v1.1/1.2; Trivy's adapter, for one): Berth asks it to scan an
/// artifact with `POST /api/v1/scan`, naming this registry's URL and a
/// short-lived token that may pull that repository (and pass the
/// vulnerability policy, as a robot holding `scan` does), then polls
/// `GET /api/v1/scan/{id}/report` while it answers 302 with Refresh-After.
/// The report's vulnerabilities become findings of the scan, marked with
/// the adapter's scanner name.
public final class ExternalScanner: Sendable {
    public struct Settings: Sendable {
        /// The adapter's base URL (`http://trivy-adapter:8080`).
        public var url: String
        /// The `Authorization` header value the adapter wants, if any.
        public var authorization: String?
        /// The URL the adapter reaches this registry at; nil: this node's
        /// own listening address.
        public var registryURL: String?

        public init(url: String, authorization: String? = nil, registryURL: String? = nil) {
            (self.url, self.authorization, self.registryURL) = (url, authorization, registryURL)
        }
    }

    let settings: Settings
    /// Signs the adapter's pull tokens; nil with `auth: none`, where none is needed.
    let tokens: TokenService?
    /// This node's address, once it listens.
    public let listeningURL = Mutex<String?>(nil)
    let http: HTTPClient
    /// How long a scan may take before Berth gives up on it.
    static let patience: TimeInterval = 30 * 60
    static let tokenLifetime: TimeInterval = 30 * 60
    static let maxReport = 64 << 20
    static let maxFindings = 100_000
    static let reportType = "application/vnd.security.vulnerability.report; version=1.1"

    public init(settings: Settings, tokens: TokenService?) {
        (self.settings, self.tokens, http) = (settings, tokens, Self.client)
    }

    /// One for the process, never shut down (like `HTTPClient.shared`): a
    /// client shut down in a deinit that runs on an event loop would trap.
    private static let client = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: .init(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10), read: .seconds(60))))

    /// The vulnerabilities the adapter finds in `repository@digest`.
    func findings(repository: String, digest: String, mediaType: String) async throws -> [Finding] {
        let base = settings.url.hasSuffix("/") ? String(settings.url.dropLast()) : settings.url
        guard let registry = settings.registryURL ?? listeningURL.withLock({ $0 }) else {
            throw ScanFailure("the external scanner needs scanner_registry_url: this node does not listen yet")
        }
        let name = try await scannerName(base)
        var access = ""
        if let tokens {
            let grant = AccessEntry(type: "repository", name: repository, actions: ["pull", "scan"])
            access = "Bearer " + (try tokens.issue(subject: "scanner:\(name)", access: [grant], lifetime: Self.tokenLifetime))
        }
        let request = ScanRequest(
            registry: .init(url: registry, authorization: access.isEmpty ? nil : access),
            artifact: .init(repository: repository, digest: digest, mimeType: mediaType))
        let (status, body) = try await send(
            "POST", base + "/api/v1/scan", body: try JSONEncoder().encode(request),
            headers: ["Content-Type": "application/vnd.scanner.adapter.scan.request+json; version=1.0",
                      "Accept": "application/vnd.scanner.adapter.scan.response+json; version=1.0"])
        guard status == .accepted || status == .ok else { throw Self.refusal("POST /api/v1/scan", status, body) }
        struct Accepted: Decodable { let id: String }
        guard let id = (try? JSONDecoder().decode(Accepted.self, from: body))?.id, !id.isEmpty, id.utf8.count <= 256,
              let escaped = id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"]))
        else { throw ScanFailure("the external scanner's answer to POST /api/v1/scan names no scan id") }

        let deadline = Date().addingTimeInterval(Self.patience)
        while true {
            let (status, body, refreshAfter) = try await report(base + "/api/v1/scan/\(escaped)/report")
            switch status {
            case .ok:
                return try Self.findings(in: body, scanner: name)
            case .found:
                guard Date() < deadline else { throw ScanFailure("the external scanner had no report after \(Int(Self.patience)) s") }
                try await Task.sleep(for: .seconds(refreshAfter))
            default:
                throw Self.refusal("GET /api/v1/scan/{id}/report", status, body)
            }
        }
    }

    /// The adapter's scanner, from `GET /api/v1/metadata` ("Trivy 0.50.1").
    private func scannerName(_ base: String) async throws -> String {
        let (status, body) = try await send("GET", base + "/api/v1/metadata", headers: [
            "Accept": "application/vnd.scanner.adapter.metadata+json; version=1.0",
        ])
        guard status == .ok else { throw Self.refusal("GET /api/v1/metadata", status, body) }
        struct Metadata: Decodable {
            struct Scanner: Decodable { let name: String; let version: String? }
            let scanner: Scanner
        }
        guard let scanner = (try? JSONDecoder().decode(Metadata.self, from: body))?.scanner, !scanner.name.isEmpty else {
            throw ScanFailure("the external scanner's metadata names no scanner")
        }
        return String(([scanner.name] + (scanner.version.map { [$0] } ?? [])).joined(separator: " ").prefix(100))
    }

    /// One poll of the report: its status, body and the Refresh-After
    /// seconds (1 to 60; 5 when it says none).
    private func report(_ url: String) async throws -> (HTTPResponseStatus, Data, Int) {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: Self.reportType)
        if let authorization = settings.authorization { request.headers.add(name: "Authorization", value: authorization) }
        let response = try await http.execute(request, timeout: .seconds(120))
        let body = Data(try await response.body.collect(upTo: Self.maxReport).readableBytesView)
        let refresh = response.headers.first(name: "Refresh-After").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } ?? 5
        return (response.status, body, min(max(refresh, 1), 60))
    }

    private func send(_ method: String, _ url: String, body: Data? = nil, headers: [String: String]) async throws -> (HTTPResponseStatus, Data) {
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let authorization = settings.authorization { request.headers.add(name: "Authorization", value: authorization) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await http.execute(request, timeout: .seconds(120))
        return (response.status, Data(try await response.body.collect(upTo: Self.maxReport).readableBytesView))
    }

    static func refusal(_ call: String, _ status: HTTPResponseStatus, _ body: Data) -> ScanFailure {
        let text = String(decoding: body.prefix(300), as: UTF8.self)
        return ScanFailure("the external scanner answered \(call) with \(status.code)\(text.isEmpty ? "" : ": \(text)")")
    }

    /// The findings of a Harbor vulnerability report.
    static func findings(in body: Data, scanner: String) throws -> [Finding] {
        struct Report: Decodable {
            struct Item: Decodable {
                let id: String
                let package: String
                let version: String?
                let fixVersion: String?
                let severity: String?
                let description: String?
                let cweIDs: [String]?
                enum CodingKeys: String, CodingKey {
                    case id, package, version, severity, description
                    case fixVersion = "fix_version", cweIDs = "cwe_ids"
                }
            }
            let vulnerabilities: [Item]?
        }
        let report: Report
        do { report = try JSONDecoder().decode(Report.self, from: body) } catch {
            throw ScanFailure("the external scanner's report is not a vulnerability report: \(error)")
        }
        let items = report.vulnerabilities ?? []
        guard items.count <= maxFindings else { throw ScanFailure("the external scanner's report names more than \(maxFindings) vulnerabilities") }
        return items.map { item in
            Finding(
                id: String(item.id.prefix(200)), aliases: [], package: String(item.package.prefix(500)), sourcePackage: nil,
                ecosystem: scanner, installedVersion: String((item.version ?? "").prefix(200)),
                fixedVersion: item.fixVersion.flatMap { $0.isEmpty ? nil : String($0.prefix(200)) },
                severity: severity(item.severity), cvssScore: nil, cvssVector: nil,
                summary: item.description.map { String($0.prefix(2_000)) }, scanner: scanner)
        }
    }

    /// Harbor's severities (`Unknown`, `Negligible`, `Low`, `Medium`, `High`, `Critical`) as Berth's.
    static func severity(_ text: String?) -> String {
        switch text?.lowercased() {
        case "negligible", "low": "low"
        case "medium": "medium"
        case "high": "high"
        case "critical": "critical"
        default: "unknown"
        }
    }
}

/// `POST /api/v1/scan`'s body.
struct ScanRequest: Encodable {
    struct Registry: Encodable {
        let url: String
        let authorization: String?
    }
    struct Artifact: Encodable {
        let repository: String
        let digest: String
        let mimeType: String
        enum CodingKeys: String, CodingKey { case repository, digest, mimeType = "mime_type" }
    }
    let registry: Registry
    let artifact: Artifact
}
