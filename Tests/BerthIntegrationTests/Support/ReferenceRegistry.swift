import AsyncHTTPClient
import Foundation
import TestProcesses

/// The reference registry (Debian's `docker-registry`, CNCF Distribution)
/// as a process on a free loopback port, storing in a folder of its own,
/// without authentication.
final class ReferenceRegistry: Sendable {
    static let executable = "/usr/bin/docker-registry"
    static var installed: Bool { FileManager.default.isExecutableFile(atPath: executable) }

    let port: Int
    private let process: ChildProcess

    private init(port: Int, process: ChildProcess) {
        (self.port, self.process) = (port, process)
    }

    var host: String { "127.0.0.1:\(port)" }

    /// Starts it and waits (at most 20 s) until `/v2/` answers.
    static func start() async throws -> ReferenceRegistry {
        let folder = TestRegistry.temporaryFolder()
        try FileManager.default.createDirectory(atPath: folder + "/data", withIntermediateDirectories: true)
        let port = try freePort()
        let config = folder + "/config.yml"
        try """
            version: 0.1
            log: {level: warn}
            storage:
              filesystem: {rootdirectory: \(folder)/data}
              delete: {enabled: true}
            http:
              addr: 127.0.0.1:\(port)
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let process = try ChildProcess([executable, "serve", config])
        let registry = ReferenceRegistry(port: port, process: process)
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: "http://\(registry.host)/v2/"), timeout: .seconds(5)) {
                _ = try? await response.body.collect(upTo: 1 << 16)
                if response.status == .ok { return registry }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        await registry.stop()
        throw TestFailure("the reference registry did not answer within 20 s")
    }

    func stop() async {
        await process.end()
    }

    /// For `defer`.
    func stopSoon() {
        process.endSoon()
    }
}
