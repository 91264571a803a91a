import Foundation
import TestProcesses

/// A TCP relay on loopback (`cut-proxy.py`, beside this file) in front of a
/// registry: it cuts the first connection whose client-to-server bytes
/// pass `cutAfter`, and counts every byte clients sent through it. With
/// `holdAfter`, it stops passing the registry's answers after that many
/// bytes in all, until `release()`.
final class CuttingRelay: Sendable {
    let port: Int
    private let process: ChildProcess
    private let statsFile: String

    private init(port: Int, process: ChildProcess, statsFile: String) {
        (self.port, self.process, self.statsFile) = (port, process, statsFile)
    }

    static func start(to target: Int, cutAfter: Int = Int(Int32.max), holdAfter: Int? = nil) async throws -> CuttingRelay {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("cut-proxy.py").path
        let port = try freePort()
        let stats = TestRegistry.temporaryFolder() + "-relay.json"
        let process = try ChildProcess(["/usr/bin/python3", script, String(port), String(target), String(cutAfter), stats]
            + (holdAfter.map { [String($0), stats + ".release"] } ?? []), standardError: .inherit)
        let relay = CuttingRelay(port: port, process: process, statsFile: stats)
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if FileManager.default.fileExists(atPath: stats) { return relay }
            try await Task.sleep(for: .milliseconds(50))
        }
        await relay.stop()
        throw TestFailure("the relay did not start within 20 s")
    }

    /// Bytes sent through it to the registry, and whether it cut a connection.
    func stats() throws -> (sent: Int, cut: Bool) {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: statsFile))) as? [String: Any]
        return (object?["sent"] as? Int ?? -1, object?["cut"] as? Bool ?? false)
    }

    /// Lets the held answers go on.
    func release() {
        _ = FileManager.default.createFile(atPath: statsFile + ".release", contents: Data())
    }

    func stop() async {
        await process.end(SIGKILL)
    }

    /// For `defer`.
    func stopSoon() {
        process.endSoon(SIGKILL)
    }
}
