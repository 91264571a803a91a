import AsyncHTTPClient
import BerthServer
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// A real Berth server on an ephemeral loopback port with its own data
/// folder, run in this process, and an HTTP client to talk to it.
final class TestRegistry: RegistryClient {
    let server: Server
    let port: Int
    let dataFolder: String
    private let group: ServiceGroup
    private let running: Task<Void, any Error>

    /// Starts a server; on `dataFolder` when given (to restart on the same
    /// data), else on a new temporary folder.
    static func start(
        dataFolder: String? = nil, extensions: Extensions = .init(), configure: (inout Configuration) -> Void = { _ in }
    ) async throws -> TestRegistry {
        let folder = dataFolder ?? Self.temporaryFolder()
        var configuration = Configuration()
        configuration.listen = "127.0.0.1:0"
        configuration.data = folder
        // The Distribution API suites test the protocol; access control has suites of its own.
        configuration.auth = "none"
        // Scanning has suites of its own: other suites' pushes are not scanned (hundreds of scans would only load the machine).
        configuration.scanOnPush = false
        try await TestBackends.configure(&configuration, folder: folder)
        configure(&configuration)
        var logger = Logger(label: "berth-test")
        logger.logLevel = ProcessInfo.processInfo.environment["BERTH_TEST_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .critical
        let server = try await Server(configuration: configuration, logger: logger, extensions: extensions)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = try server.application { port in continuation.yield(port) }
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let running = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw TestFailure("server did not start") }
        return TestRegistry(server: server, port: port, dataFolder: folder, group: group, running: running)
    }

    private init(server: Server, port: Int, dataFolder: String, group: ServiceGroup, running: Task<Void, any Error>) {
        self.server = server
        self.port = port
        self.dataFolder = dataFolder
        self.group = group
        self.running = running
    }

    /// Stops gracefully and closes the stores; the data folder stays.
    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await running.value
        try await server.shutdown()
    }

    static func temporaryFolder() -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("berth-test-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    var base: String { "http://127.0.0.1:\(port)" }
}

/// Anything with a Berth listening at `base`.
protocol RegistryClient: Sendable {
    var base: String { get }
}

extension RegistryClient {
    func request(
        _ method: HTTPMethod, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil
    ) async throws -> TestResponse {
        try await HTTPRequester.send(method, path.hasPrefix("http") ? path : base + path, headers: headers, body: body)
    }
}

/// What a request got back.
struct TestResponse: Sendable {
    let status: Int
    let headers: HTTPHeaders
    let body: [UInt8]

    func header(_ name: String) -> String? { headers.first(name: name) }
    var text: String { String(decoding: body, as: UTF8.self) }

    /// The `code` of each entry of a spec error body.
    var errorCodes: [String] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
              let errors = object["errors"] as? [[String: Any]]
        else { return [] }
        return errors.compactMap { $0["code"] as? String }
    }

    func json() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw TestFailure("body is not a JSON object: \(text)")
        }
        return object
    }
}

enum HTTPRequester {
    static func send(_ method: HTTPMethod, _ url: String, headers: [(String, String)] = [], body: [UInt8]? = nil) async throws -> TestResponse {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let collected = try await response.body.collect(upTo: 1 << 30)
        return TestResponse(
            status: Int(response.status.code), headers: response.headers,
            body: collected.getBytes(at: collected.readerIndex, length: collected.readableBytes) ?? [])
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
