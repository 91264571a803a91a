import Foundation
import TestProcesses
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The programs the tests start: a parallel run holds well over a thousand
/// descriptors, where Foundation's `Process` read past glibc's buffer and
/// crashed the whole run (CI, stop 23).
@Suite("Child processes of the tests")
struct ChildProcessTests {
    @Test func aChildStartedAmongManyDescriptorsHoldsOnlyItsStandardThree() throws {
        var held: [Int32] = []
        defer { held.forEach { close($0) } }
        for _ in 0..<1_500 {
            let descriptor = open("/dev/null", O_RDONLY)
            try #require(descriptor >= 0, "open: errno \(errno)")
            held.append(descriptor)
        }
        // `ls` lists its own descriptors: 0, 1, 2 and the directory it reads.
        let (status, output) = try ChildProcess.run(["ls", "-1", "/proc/self/fd"])
        #expect(status == 0)
        let open = output.split(separator: "\n").compactMap { Int($0) }
        #expect(open.count == 4, "the child had \(open.count) descriptors open: \(open.prefix(20))")
        #expect(open.filter { $0 > 3 }.isEmpty)
    }

    @Test func theExitStatusAndTheSignalAreReported() async throws {
        #expect(try ChildProcess.run(["sh", "-c", "echo out; echo err >&2; exit 3"]) == (3, "out\nerr\n"))
        let sleeper = try ChildProcess(["sleep", "30"])
        #expect(sleeper.isRunning)
        await sleeper.end(SIGTERM, patience: 10)
        #expect(!sleeper.isRunning)
        #expect(sleeper.terminationStatus == SIGTERM)
        #expect(throws: ChildProcessError.self) { try ChildProcess(["/nonexistent/program"]) }
    }
}
