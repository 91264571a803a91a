import Foundation

/// A TCP relay on loopback (`cut-proxy.py`, beside this file) in front of a
/// registry: it cuts the first connection whose client-to-server bytes
/// pass `cutAfter`, and counts every byte clients sent through it. With
/// `holdAfter`, it stops passing the registry's answers after that many
/// bytes in all, until `release()`.
final class CuttingRelay: Sendable {
    let port: Int
    private let process: Process
    private let statsFile: String

    private init(port: Int, process: Process, statsFile: String) {
        (self.port, self.process, self.statsFile) = (port, process, statsFile)
    }

    static func start(to target: Int, cutAfter: Int = Int(Int32.max), holdAfter: Int? = nil) async throws -> CuttingRelay {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("cut-proxy.py").path
        let port = try freePort()
        let stats = TestRegistry.temporaryFolder() + "-relay.json"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [script, String(port), String(target), String(cutAfter), stats] + (holdAfter.map { [String($0), stats + ".release"] } ?? [])
        process.standardOutput = FileHandle.nullDevice
        try process.run()
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
        FileManager.default.createFile(atPath: statsFile + ".release", contents: Data())
    }

    func stop() async {
        await process.end(SIGKILL)
    }

    /// For `defer`.
    func stopSoon() {
        process.endSoon(SIGKILL)
    }
}
