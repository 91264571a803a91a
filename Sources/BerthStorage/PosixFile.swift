#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#else
import Darwin
#endif
import NIOCore

/// An open file descriptor, closed when the last reference goes away, so a
/// read abandoned by a disconnecting client never leaks it.
final class PosixFile: @unchecked Sendable {
    let fd: Int32

    private init(fd: Int32) { self.fd = fd }

    deinit { close(fd) }

    static func open(_ path: String, flags: Int32, mode: mode_t = 0o644) throws(PosixError) -> PosixFile {
        let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
        guard fd >= 0 else { throw PosixError(operation: "open", path: path) }
        return PosixFile(fd: fd)
    }

    /// nil when the file does not exist.
    static func openIfExists(_ path: String, flags: Int32) throws(PosixError) -> PosixFile? {
        do {
            return try open(path, flags: flags)
        } catch where error.errno == ENOENT {
            return nil
        }
    }

    func size() throws(PosixError) -> Int64 {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw PosixError(operation: "fstat", path: "") }
        return Int64(st.st_size)
    }

    /// Writes every readable byte of `buffers`, in order, at the end of the
    /// file with as few system calls as `writev` allows and no copying.
    func writeAll(_ buffers: [ByteBuffer]) throws(PosixError) {
        var pending = buffers[...]
        while !pending.isEmpty {
            let batch = pending.prefix(1024)  // IOV_MAX on Linux
            var failure: PosixError?
            var written = 0
            var vectors: [iovec] = []
            vectors.reserveCapacity(batch.count)
            // The buffers stay alive (and unmoved) for the whole call.
            withExtendedLifetime(batch) {
                for buffer in batch {
                    buffer.withUnsafeReadableBytes { bytes in
                        vectors.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: bytes.baseAddress), iov_len: bytes.count))
                    }
                }
                while true {
                    let n = writev(fd, vectors, Int32(vectors.count))
                    if n < 0 && errno == EINTR { continue }
                    if n < 0 { failure = PosixError(operation: "writev", path: "") }
                    written = max(n, 0)
                    break
                }
            }
            if let failure { throw failure }
            // Drop what was written; a partial write leaves a remainder.
            var remaining = written
            while let first = pending.first, remaining >= first.readableBytes {
                remaining -= first.readableBytes
                pending = pending.dropFirst()
            }
            if remaining > 0, var first = pending.first {
                first.moveReaderIndex(forwardBy: remaining)
                pending = [first] + pending.dropFirst()
            }
        }
    }

    /// Reads up to `count` bytes at `offset`; fewer only at the end of the file.
    func read(at offset: Int64, count: Int, allocator: ByteBufferAllocator) throws(PosixError) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: count)
        var failure: PosixError?
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { bytes in
            var done = 0
            while done < count {
                let n = pread(fd, bytes.baseAddress! + done, count - done, off_t(offset) + off_t(done))
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = PosixError(operation: "pread", path: "")
                    break
                }
                if n == 0 { break }
                done += n
            }
            return done
        }
        if let failure { throw failure }
        return buffer
    }

    func sync() throws(PosixError) {
        guard fsync(fd) == 0 else { throw PosixError(operation: "fsync", path: "") }
    }
}

/// A failed system call, with errno and what it was doing.
public struct PosixError: Error, CustomStringConvertible {
    public let errno: Int32
    public let operation: String
    public let path: String

    init(operation: String, path: String) {
        self.errno = Glibc.errno
        self.operation = operation
        self.path = path
    }

    public var description: String {
        "\(operation) \(path) failed: \(String(cString: strerror(errno)))"
    }
}

enum Posix {
    /// Creates `path` and its missing parents.
    static func makeDirectories(_ path: String) throws(PosixError) {
        if mkdir(path, 0o755) == 0 || errno == EEXIST { return }
        guard errno == ENOENT else { throw PosixError(operation: "mkdir", path: path) }
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            try makeDirectories(String(path[..<slash]))
        }
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else { throw PosixError(operation: "mkdir", path: path) }
    }

    /// Flushes a directory's entries, so a rename into it survives power loss.
    static func syncDirectory(_ path: String) throws(PosixError) {
        let dir = try PosixFile.open(path, flags: O_RDONLY | O_DIRECTORY)
        try dir.sync()
    }

    static func rename(_ from: String, _ to: String) throws(PosixError) {
        guard Glibc.rename(from, to) == 0 else { throw PosixError(operation: "rename", path: to) }
    }

    /// Returns false when there was nothing to remove.
    static func remove(_ path: String) throws(PosixError) -> Bool {
        if unlink(path) == 0 { return true }
        if errno == ENOENT { return false }
        throw PosixError(operation: "unlink", path: path)
    }

    /// Size of a file, or nil when it does not exist.
    static func fileSize(_ path: String) throws(PosixError) -> Int64? {
        var st = stat()
        if stat(path, &st) == 0 { return Int64(st.st_size) }
        if errno == ENOENT { return nil }
        throw PosixError(operation: "stat", path: path)
    }
}
