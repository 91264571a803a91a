import Foundation

/// Helpers for tests that build fixtures with the system's Python or Info-ZIP `zip`.
enum TestSupport {
    struct ProcessFailed: Error, CustomStringConvertible {
        let description: String
    }

    /// A fresh, empty temporary directory.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("berth-osv-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs an executable to completion; throws when it exits non-zero.
    static func run(_ executable: String, _ arguments: [String], in directory: URL? = nil) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        while process.isRunning { usleep(5_000) }  // waitUntilExit spins a core
        guard process.terminationStatus == 0 else {
            throw ProcessFailed(description: "\(executable) exited \(process.terminationStatus): "
                + String(decoding: stderr, as: UTF8.self))
        }
    }

    /// Runs a Python 3 script; `argv[1...]` are `arguments`.
    static func python(_ script: String, _ arguments: [String] = []) throws {
        try run("/usr/bin/python3", ["-c", script] + arguments)
    }
}
