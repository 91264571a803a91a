import Foundation
import TestProcesses

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
        let (status, output) = try ChildProcess.run([executable] + arguments, directory: directory?.path)
        guard status == 0 else { throw ProcessFailed(description: "\(executable) exited \(status): \(output)") }
    }

    /// Runs a Python 3 script; `argv[1...]` are `arguments`.
    static func python(_ script: String, _ arguments: [String] = []) throws {
        try run("/usr/bin/python3", ["-c", script] + arguments)
    }
}
