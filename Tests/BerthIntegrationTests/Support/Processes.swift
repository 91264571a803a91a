import Foundation
import TestProcesses
import Synchronization

/// Runs a command to completion; returns its exit status and combined output.
/// The waiting happens on a thread of its own: a test blocking one of the
/// few cooperative threads could starve the in-process server it talks to.
@discardableResult
func runCommand(_ arguments: [String], environment: [String: String]? = nil) async throws -> (status: Int32, output: String) {
    try await offCooperativePool { try runCommandBlocking(arguments, environment: environment) }
}

/// Runs blocking work on a thread of its own and awaits its result. Not
/// on a dispatch queue: on Linux the global queues are the threads Swift's
/// concurrency runs on, so blocking work there starves every in-process
/// server of the suite.
func offCooperativePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try work() }) }
        thread.stackSize = 8 << 20
        thread.start()
    }
}

private func runCommandBlocking(_ arguments: [String], environment: [String: String]? = nil) throws -> (status: Int32, output: String) {
    try ChildProcess.run(arguments, environment: environment.map { ProcessInfo.processInfo.environment.merging($0) { $1 } })
}

/// The exit status of a short command, run where the caller is (for test traits).
func runCommandSync(_ arguments: [String]) throws -> Int32 {
    try runCommandBlocking(arguments).status
}

/// Whether a program is on the PATH.
func isInstalled(_ program: String) -> Bool {
    (try? runCommandBlocking(["sh", "-c", "command -v \(program)"]).status) == 0
}

/// The `berth` executable this package built, run as a separate process:
/// for what an in-process server cannot show (SIGKILL, SIGTERM).
final class BerthProcess: RegistryClient, @unchecked Sendable {
    let process: ChildProcess
    let port: Int
    let dataFolder: String
    /// Everything the server logged so far.
    private let output = Mutex("")
    var log: String { output.withLock { $0 } }
    var isRunning: Bool { process.isRunning }

    /// A `/proc/<pid>/status` figure in bytes (`VmRSS` now, `VmHWM` the peak); -1 when unreadable.
    func memory(_ field: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }),
              let kib = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else { return -1 }
        return kib * 1024
    }

    static var executable: String {
        if let path = ProcessInfo.processInfo.environment["BERTH_BINARY"] { return path }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/berth").path
    }

    /// Starts `berth serve` on a free port and waits until it listens.
    /// `environment` is added to the tests' own.
    static func start(dataFolder: String, extraArguments: [String] = [], environment: [String: String] = [:]) async throws -> BerthProcess {
        try await offCooperativePool { try BerthProcess(dataFolder: dataFolder, extraArguments: extraArguments, environment: environment) }
    }

    private init(dataFolder: String, extraArguments: [String] = [], environment: [String: String] = [:]) throws {
        self.dataFolder = dataFolder
        let auth = extraArguments.contains("--auth") ? [] : ["--auth", "none"]
        let arguments = ["serve", "--listen", "127.0.0.1:0", "--data", dataFolder, "--log-level", "notice"] + auth + extraArguments
        process = try ChildProcess([Self.executable] + arguments,
                                   environment: environment.isEmpty ? nil : ProcessInfo.processInfo.environment.merging(environment) { $1 },
                                   standardError: .pipe)
        let log = process.output!
        // The server logs the port it bound; read until it does (bounded).
        var seen = ""
        var found: Int?
        let deadline = Date().addingTimeInterval(20)
        while found == nil, Date() < deadline {
            let data = log.availableData
            if data.isEmpty { break }
            seen += String(decoding: data, as: UTF8.self)
            if let range = seen.range(of: #"address=127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                found = Int(seen[range].split(separator: ":").last!)
            }
        }
        guard let found else {
            process.signal(SIGTERM)
            throw TestFailure("berth did not report its port; it logged: \(seen)")
        }
        port = found
        // Keep draining (and keeping) the log so the server never blocks on a full pipe.
        output.withLock { $0 = seen }
        let (handle, box) = (log, self)
        Thread.detachNewThread {
            while true {
                let data = handle.availableData
                if data.isEmpty { break }
                box.output.withLock { $0 += String(decoding: data, as: UTF8.self) }
            }
        }
    }

    var base: String { "http://127.0.0.1:\(port)" }

    func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// SIGTERM, then SIGKILL if it has not exited within 20 s.
    func stop() async {
        await process.end()
    }

    /// For `defer` (which cannot await): signals now, and lets a thread of
    /// its own wait for the exit.
    func stopSoon() {
        process.endSoon()
    }

    /// Waits (bounded) for the process to exit; returns its status. The
    /// default outlasts `shutdown_timeout` (25 s), after which a node ends itself.
    func waitForExit(timeout: TimeInterval = 40) async throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            guard Date() < deadline else {
                kill(process.processIdentifier, SIGKILL)
                throw TestFailure("berth did not exit within \(timeout) s; its log ends:\n\(log.suffix(3000))")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return process.terminationStatus
    }
}
