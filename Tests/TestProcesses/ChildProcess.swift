import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A program the tests run, started with `posix_spawn`: its standard input
/// is /dev/null and every descriptor of this process but the standard
/// output and error it is given is closed in it.
///
/// Not Foundation's `Process`: on Linux it lists /proc/self/fd to choose
/// what to close and copies a whole 256-byte name out of each directory
/// entry. With ~1,350 descriptors open (a parallel test run has more) the
/// last entry ends at the end of glibc's 32 KiB buffer and the copy reads
/// past it: a SIGSEGV whenever the next page is unmapped. Here the child's
/// kernel closes them (close_range, through glibc's
/// `posix_spawn_file_actions_addclosefrom_np`).
public final class ChildProcess: @unchecked Sendable {
    /// Where a standard output or error goes.
    public enum Stream: Sendable, Equatable {
        /// This process's own.
        case inherit
        case null
        /// An open descriptor of this process, a file for example.
        case descriptor(Int32)
        /// A pipe read through `output`, one for both when both are `.pipe`.
        case pipe
    }

    public let processIdentifier: pid_t
    /// The read end of the `.pipe` streams; nil when there are none.
    public let output: FileHandle?
    /// The raw wait status, once the child has been reaped.
    private let waitStatus = Mutex<Int32?>(nil)

    /// Starts `arguments[0]`, looked up on the PATH. `environment` replaces
    /// this process's when given.
    public init(_ arguments: [String], environment: [String: String]? = nil, directory: String? = nil,
                standardOutput: Stream = .null, standardError: Stream = .null) throws {
        guard let program = arguments.first else { throw ChildProcessError("no program to run") }
        guard let closeFrom = spawnExtensions.closeFrom, let changeDirectory = spawnExtensions.changeDirectory else {
            throw ChildProcessError("this C library has no posix_spawn_file_actions_addclosefrom_np (glibc 2.34 or later has)")
        }
        var pipeEnds: [Int32] = [-1, -1]
        if standardOutput == .pipe || standardError == .pipe {
            guard pipe(&pipeEnds) == 0 else { throw ChildProcessError("pipe: errno \(errno)") }
            // A pipe ends when its last writer closes: no other program may inherit it.
            for end in pipeEnds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)
        for (stream, target) in [(standardOutput, STDOUT_FILENO), (standardError, STDERR_FILENO)] {
            switch stream {
            case .inherit: break
            case .null: posix_spawn_file_actions_addopen(&actions, target, "/dev/null", O_WRONLY, 0)
            case .descriptor(let descriptor): posix_spawn_file_actions_adddup2(&actions, descriptor, target)
            case .pipe: posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], target)
            }
        }
        _ = closeFrom(&actions, STDERR_FILENO + 1)
        if let directory { _ = changeDirectory(&actions, directory) }

        // Ignored signals and the blocked mask survive exec; the child gets neither.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t(), empty = sigset_t()
        sigemptyset(&empty)
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)
        // A process group of its own: a Ctrl-C to the test run is not its signal.
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer {
            argv.forEach { free($0) }
            envp?.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = argv.withUnsafeBufferPointer { argvBuffer in
            if let envp {
                return envp.withUnsafeBufferPointer { envpBuffer in
                    posix_spawnp(&pid, program, &actions, &attributes, argvBuffer.baseAddress!, envpBuffer.baseAddress!)
                }
            }
            return posix_spawnp(&pid, program, &actions, &attributes, argvBuffer.baseAddress!, environ)
        }
        if pipeEnds[1] >= 0 { close(pipeEnds[1]) }
        guard result == 0 else {
            if pipeEnds[0] >= 0 { close(pipeEnds[0]) }
            throw ChildProcessError("cannot start \(program): \(String(cString: strerror(result)))")
        }
        processIdentifier = pid
        output = pipeEnds[0] >= 0 ? FileHandle(fileDescriptor: pipeEnds[0], closeOnDealloc: true) : nil
    }

    /// Runs a program to completion; its output and errors, interleaved.
    public static func run(_ arguments: [String], environment: [String: String]? = nil, directory: String? = nil) throws -> (status: Int32, output: String) {
        let child = try ChildProcess(arguments, environment: environment, directory: directory, standardOutput: .pipe, standardError: .pipe)
        let output = child.output!.readDataToEndOfFile()
        child.waitBlocking()
        return (child.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    /// Whether it has not exited yet (reaping it when it has).
    public var isRunning: Bool {
        waitStatus.withLock { status in
            if status == nil {
                var raw: Int32 = 0
                let reaped = waitpid(processIdentifier, &raw, WNOHANG)
                if reaped == processIdentifier { status = raw } else if reaped == -1, errno == ECHILD { status = 0 }
            }
            return status == nil
        }
    }

    /// The exit code, or the number of the signal that ended it (as
    /// Foundation's `Process` says it); -1 while it runs.
    public var terminationStatus: Int32 {
        guard !isRunning, let raw = waitStatus.withLock({ $0 }) else { return -1 }
        let signal = raw & 0x7f
        return signal == 0 ? (raw >> 8) & 0xff : signal
    }

    public func signal(_ signal: Int32) {
        if isRunning { kill(processIdentifier, signal) }
    }

    /// Waits for the exit, blocking this thread, polling: never call it on
    /// one of the cooperative threads the in-process servers run on.
    public func waitBlocking() {
        while isRunning { usleep(5_000) }
    }

    /// Sends `signal`, waits at most `patience` for the exit, then SIGKILL
    /// and at most 5 s more. The waiting never blocks a cooperative thread.
    public func end(_ signal: Int32 = SIGTERM, patience: TimeInterval = 20) async {
        guard isRunning else { return }
        kill(processIdentifier, signal)
        if await exited(within: patience) { return }
        kill(processIdentifier, SIGKILL)
        _ = await exited(within: 5)
    }

    /// `end` for `defer`: signals now, waits on a task of its own.
    public func endSoon(_ signal: Int32 = SIGTERM) {
        guard isRunning else { return }
        kill(processIdentifier, signal)
        Task.detached { await self.end(signal) }
    }

    /// Waits (polling) at most `seconds` for the exit; whether it came.
    public func exited(within seconds: TimeInterval) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while isRunning {
            guard Date() < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return true
    }
}

public struct ChildProcessError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// glibc's spawn extensions Swift's Glibc module does not show, found at run time.
private struct SpawnExtensions: @unchecked Sendable {
    typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    typealias ChangeDirectory = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    let closeFrom: CloseFrom?
    let changeDirectory: ChangeDirectory?

    init() {
        closeFrom = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map { unsafeBitCast($0, to: CloseFrom.self) }
        changeDirectory = dlsym(nil, "posix_spawn_file_actions_addchdir_np").map { unsafeBitCast($0, to: ChangeDirectory.self) }
    }
}

private let spawnExtensions = SpawnExtensions()
