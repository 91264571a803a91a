import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A real HTTP endpoint on loopback that records what webhooks POST to it
/// and answers 500 to the first `failures` requests.
final class WebhookReceiver: Sendable {
    struct Received: Sendable {
        let headers: [String: String]
        let body: String
    }

    /// What arrived, and how many requests are still to fail.
    private final class State: Sendable {
        let received = Mutex<[Received]>([])
        let failuresLeft: Mutex<Int>
        init(failures: Int) { failuresLeft = Mutex(failures) }
    }

    let port: Int
    private let state: State
    private let group: ServiceGroup
    private let running: Task<Void, any Error>

    static func start(failures: Int) async throws -> WebhookReceiver {
        let state = State(failures: failures)
        let router = Router()
        router.post("/hook") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            state.received.withLock { $0.append(Received(headers: headers, body: String(buffer: body))) }
            let fail = state.failuresLeft.withLock { left in
                defer { left -= 1 }
                return left > 0
            }
            return Response(status: fail ? .internalServerError : .ok)
        }
        let (port, group, running) = try await LoopbackServer.start(router)
        return WebhookReceiver(port: port, state: state, group: group, running: running)
    }

    private init(port: Int, state: State, group: ServiceGroup, running: Task<Void, any Error>) {
        self.port = port
        self.state = state
        self.group = group
        self.running = running
    }

    var url: String { "http://127.0.0.1:\(port)/hook" }
    var requests: [Received] { state.received.withLock { $0 } }

    /// Waits (at most `seconds`) until `condition` holds for what arrived.
    func wait(seconds: Double = 15, until condition: ([Received]) -> Bool) async throws -> [Received] {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            let now = requests
            if condition(now) { return now }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("webhook receiver: condition not met in \(seconds) s; got \(requests.map(\.body))")
    }

    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await running.value
    }
}

/// A Hummingbird server on an ephemeral loopback port, for test receivers.
enum LoopbackServer {
    static func start(_ router: Router<BasicRequestContext>) async throws -> (port: Int, group: ServiceGroup, running: Task<Void, any Error>) {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "test-receiver")
        logger.logLevel = .critical
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let running = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw TestFailure("test receiver did not start") }
        return (port, group, running)
    }
}
