#if canImport(Glibc)
import Glibc
#endif
import Foundation
import NIOCore
import NIOPosix
import OCI
import Synchronization

/// A `BlobStore` on a local folder, laid out as `StorageLayout` says.
///
/// Uploads are hashed as they are written. The running hash is kept in
/// memory; after a restart (or if it is lost) it is recomputed from the
/// upload's bytes, which are the only durable state an upload has.
public final class FileSystemBlobStore: BlobStore {
    /// Writes are batched to this size: fewer system calls, measured fastest.
    static let writeBatch = 1 << 20
    /// Reads are issued in chunks of this size.
    static let readChunk = 1 << 20

    public let root: String
    let threadPool: NIOThreadPool
    private let allocator = ByteBufferAllocator()
    private let hashes = Mutex<[String: UploadHash]>([:])
    private let writers = Mutex<Set<String>>([])

    private struct UploadHash {
        var size: Int64
        var hasher: DigestHasher
    }

    /// Opens (creating) the store under `root`. Blocking file work runs on
    /// `threadPool`, so the event loops and the cooperative pool never wait
    /// for a disk.
    public init(root: String, threadPool: NIOThreadPool) throws {
        self.root = root
        self.threadPool = threadPool
        try Posix.makeDirectories(path(StorageLayout.blobsPrefix))
        try Posix.makeDirectories(path(StorageLayout.uploadsPrefix))
        try Posix.makeDirectories(path(StorageLayout.trashPrefix))
    }

    func path(_ key: String) -> String { "\(root)/\(key)" }

    // MARK: Blobs

    public func size(of digest: Digest) async throws -> Int64? {
        try Posix.fileSize(path(StorageLayout.blobKey(digest)))
    }

    public func read(_ digest: Digest, range: ByteRange?) async throws -> BlobChunks? {
        guard let file = try PosixFile.openIfExists(path(StorageLayout.blobKey(digest)), flags: O_RDONLY) else {
            return nil
        }
        let size = try file.size()
        let range = range ?? ByteRange(start: 0, end: size)
        guard range.start >= 0, range.start <= range.end, range.end <= size, range.start < size || size == 0 else {
            throw BlobStoreError.rangeNotSatisfiable(size: size)
        }
        let cursor = Mutex(range.start)
        let (threadPool, allocator) = (self.threadPool, self.allocator)
        return BlobChunks(count: range.count, blobSize: size) {
            let offset = cursor.withLock { $0 }
            guard offset < range.end else { return nil }
            let count = Int(min(Int64(Self.readChunk), range.end - offset))
            let chunk = try await threadPool.runIfActive {
                try file.read(at: offset, count: count, allocator: allocator)
            }
            guard chunk.readableBytes > 0 else { return nil }  // truncated under us
            cursor.withLock { $0 = offset + Int64(chunk.readableBytes) }
            return chunk
        }
    }

    public func blobs() async throws -> [(digest: Digest, modified: Date)] {
        try await threadPool.runIfActive { [root] in
            var found: [(digest: Digest, modified: Date)] = []
            let manager = FileManager.default
            for algorithm in DigestAlgorithm.allCases {
                let top = "\(root)/\(StorageLayout.blobsPrefix)/\(algorithm.rawValue)"
                for fan in (try? manager.contentsOfDirectory(atPath: top)) ?? [] {
                    for name in (try? manager.contentsOfDirectory(atPath: "\(top)/\(fan)")) ?? [] {
                        guard let digest = try? Digest(parsing: "\(algorithm.rawValue):\(name)"),
                              let modified = try? manager.attributesOfItem(atPath: "\(top)/\(fan)/\(name)")[.modificationDate] as? Date
                        else { continue }
                        found.append((digest, modified))
                    }
                }
            }
            return found
        }
    }

    // MARK: Uploads

    public func startUpload(id: String) async throws {
        precondition(StorageLayout.isValidUploadID(id))
        _ = try PosixFile.open(path(StorageLayout.uploadKey(id)), flags: O_WRONLY | O_CREAT | O_EXCL)
        hashes.withLock { $0[id] = UploadHash(size: 0, hasher: DigestHasher(.sha256)) }
    }

    public func uploadedSize(id: String) async throws -> Int64? {
        guard StorageLayout.isValidUploadID(id) else { return nil }
        return try Posix.fileSize(path(StorageLayout.uploadKey(id)))
    }

    public func append<Body: AsyncSequence & Sendable>(
        to id: String, at offset: Int64, body: Body, limit: Int64
    ) async throws -> Int64 where Body.Element == ByteBuffer {
        try claim(id)
        defer { release(id) }
        guard StorageLayout.isValidUploadID(id),
              let file = try PosixFile.openIfExists(path(StorageLayout.uploadKey(id)), flags: O_WRONLY | O_APPEND)
        else { throw BlobStoreError.uploadUnknown }
        let size = try file.size()
        guard size == offset else { throw BlobStoreError.offsetMismatch(size: size) }
        var state = try await hashState(id: id, file: path(StorageLayout.uploadKey(id)), size: size, algorithm: .sha256)
        // Until the loop ends the in-memory hash may run ahead of the file:
        // drop it, so a failure midway makes the next request rehash.
        hashes.withLock { _ = $0.removeValue(forKey: id) }

        // Chunks are gathered, not copied, and written with one writev a
        // batch. (Writing on the I/O pool while the next batch is hashed
        // measured no faster: the kernel's page-cache copy dominates.)
        var batch: [ByteBuffer] = []
        var batchBytes = 0
        func flush() throws {
            guard batchBytes > 0 else { return }
            try file.writeAll(batch)
            batch.removeAll(keepingCapacity: true)
            batchBytes = 0
        }
        do {
            for try await chunk in body {
                guard state.size + Int64(chunk.readableBytes) <= limit else { throw BlobStoreError.tooLarge(limit: limit) }
                chunk.withUnsafeReadableBytes { state.hasher.update($0) }
                state.size += Int64(chunk.readableBytes)
                batch.append(chunk)
                batchBytes += chunk.readableBytes
                if batchBytes >= Self.writeBatch { try flush() }
            }
            try flush()
        } catch {
            // Keep what arrived in order: the client may resume from it.
            try? flush()
            throw error
        }
        hashes.withLock { $0[id] = state }
        return state.size
    }

    public func commit(upload id: String, as digest: Digest) async throws -> Int64 {
        try claim(id)
        defer { release(id) }
        let uploadPath = path(StorageLayout.uploadKey(id))
        guard StorageLayout.isValidUploadID(id), let file = try PosixFile.openIfExists(uploadPath, flags: O_RDONLY) else {
            throw BlobStoreError.uploadUnknown
        }
        let size = try file.size()
        let state = try await hashState(id: id, file: uploadPath, size: size, algorithm: digest.algorithm)
        let actual = state.hasher.finalize()
        guard actual == digest else { throw BlobStoreError.digestMismatch(actual: actual) }

        let blobPath = path(StorageLayout.blobKey(digest))
        let folder = String(blobPath[..<blobPath.lastIndex(of: "/")!])
        if try Posix.fileSize(blobPath) == size {
            // Already stored (same digest, so same bytes): nothing to flush or move.
            _ = try Posix.remove(uploadPath)
            hashes.withLock { _ = $0.removeValue(forKey: id) }
            return size
        }
        try await threadPool.runIfActive {
            try file.sync()
            try Posix.makeDirectories(folder)
            try Posix.rename(uploadPath, blobPath)
            try Posix.syncDirectory(folder)
        }
        hashes.withLock { _ = $0.removeValue(forKey: id) }
        return size
    }

    public func cancel(upload id: String) async throws -> Bool {
        guard StorageLayout.isValidUploadID(id) else { return false }
        hashes.withLock { _ = $0.removeValue(forKey: id) }
        return try Posix.remove(path(StorageLayout.uploadKey(id)))
    }

    public func uploads() async throws -> [(id: String, modified: Date)] {
        let folder = URL(fileURLWithPath: path(StorageLayout.uploadsPrefix))
        let entries = try FileManager.default.contentsOfDirectory(
            at: folder, includingPropertiesForKeys: [.contentModificationDateKey])
        return entries.compactMap { url in
            let id = url.lastPathComponent
            guard StorageLayout.isValidUploadID(id),
                  let modified = try? url.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate
            else { return nil }
            return (id, modified)
        }
    }

    // MARK: Helpers

    /// One writer per upload at a time: a second request racing on the same
    /// upload would interleave bytes.
    private func claim(_ id: String) throws {
        let claimed = writers.withLock { $0.insert(id).inserted }
        guard claimed else { throw BlobStoreError.uploadBusy }
    }

    private func release(_ id: String) {
        writers.withLock { _ = $0.remove(id) }
    }

    /// The hash of an upload's first `size` bytes: the kept one when it is
    /// current, else recomputed from the file.
    private func hashState(id: String, file: String, size: Int64, algorithm: DigestAlgorithm) async throws -> UploadHash {
        if let kept = hashes.withLock({ $0[id] }), kept.size == size, kept.hasher.algorithm == algorithm {
            return kept
        }
        let allocator = self.allocator
        return try await threadPool.runIfActive {
            let reader = try PosixFile.open(file, flags: O_RDONLY)
            var hasher = DigestHasher(algorithm)
            var offset: Int64 = 0
            while offset < size {
                let chunk = try reader.read(at: offset, count: Int(min(Int64(Self.readChunk), size - offset)), allocator: allocator)
                guard chunk.readableBytes > 0 else { break }
                chunk.withUnsafeReadableBytes { hasher.update($0) }
                offset += Int64(chunk.readableBytes)
            }
            return UploadHash(size: offset, hasher: hasher)
        }
    }
}
