import BerthS3
import BerthStorage
import Foundation
import NIOCore
import NIOPosix
import OCI
import Testing

/// The contract of `BlobStore`, run unchanged against every implementation:
/// the filesystem, and an S3-compatible server when `BERTH_TEST_S3_ENDPOINT`
/// names one (`.ci/run` starts one).
@Suite("BlobStore conformance")
struct BlobStoreConformanceTests {
    struct Factory: CustomTestStringConvertible, Sendable {
        let name: String
        let make: @Sendable () async throws -> any BlobStore
        var testDescription: String { name }
    }

    static let factories: [Factory] = {
        var factories = [
            Factory(name: "filesystem") {
                let root = FileManager.default.temporaryDirectory.appendingPathComponent("berth-store-\(UUID().uuidString)").path
                return try FileSystemBlobStore(root: root, threadPool: .singleton)
            }
        ]
        if let configuration = S3TestServer.configuration() {
            factories.append(Factory(name: "s3") { try await S3TestServer.store(configuration) })
        }
        return factories
    }()

    static func chunks(_ bytes: [UInt8], size: Int = 7000) -> [ByteBuffer] {
        stride(from: 0, to: bytes.count, by: size).map { ByteBuffer(bytes: bytes[$0..<min($0 + size, bytes.count)]) }
    }

    static func collect(_ chunks: BlobChunks) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await chunk in chunks { bytes += chunk.readableBytesView }
        return bytes
    }

    static func random(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255) } }

    @Test(arguments: factories) func uploadAppendCommitRead(_ factory: Factory) async throws {
        let store = try await factory.make()
        let bytes = Self.random(3 << 20)
        let digest = DigestHasher.digest(of: bytes)
        try await store.startUpload(id: "u1")
        #expect(try await store.uploadedSize(id: "u1") == 0)
        let half = bytes.count / 2
        #expect(try await store.append(to: "u1", at: 0, body: Self.chunks(Array(bytes[..<half])).async, limit: .max) == Int64(half))
        #expect(try await store.size(of: digest) == nil)  // nothing visible before commit
        #expect(try await store.append(to: "u1", at: Int64(half), body: Self.chunks(Array(bytes[half...])).async, limit: .max) == Int64(bytes.count))
        #expect(try await store.commit(upload: "u1", as: digest) == Int64(bytes.count))
        #expect(try await store.uploadedSize(id: "u1") == nil)
        #expect(try await store.size(of: digest) == Int64(bytes.count))
        let read = try #require(try await store.read(digest, range: nil))
        #expect(read.count == Int64(bytes.count))
        #expect(try await Self.collect(read) == bytes)
        let range = try #require(try await store.read(digest, range: ByteRange(start: 10, end: 2_000_000)))
        #expect(try await Self.collect(range) == Array(bytes[10..<2_000_000]))
    }

    @Test(arguments: factories) func wrongOffsetAndWrongDigestKeepTheUpload(_ factory: Factory) async throws {
        let store = try await factory.make()
        let bytes = Self.random(1000)
        try await store.startUpload(id: "u2")
        _ = try await store.append(to: "u2", at: 0, body: Self.chunks(bytes).async, limit: .max)
        await #expect(throws: BlobStoreError.offsetMismatch(size: 1000)) {
            try await store.append(to: "u2", at: 10, body: Self.chunks(bytes).async, limit: .max)
        }
        let wrong = DigestHasher.digest(of: [1, 2, 3])
        await #expect(throws: BlobStoreError.digestMismatch(actual: DigestHasher.digest(of: bytes))) {
            try await store.commit(upload: "u2", as: wrong)
        }
        #expect(try await store.size(of: wrong) == nil)
        #expect(try await store.uploadedSize(id: "u2") == 1000)
        // sha512 is verified too, rehashing what was written.
        #expect(try await store.commit(upload: "u2", as: DigestHasher.digest(of: bytes, algorithm: .sha512)) == 1000)
    }

    @Test(arguments: factories) func limitsRangesAndDeletes(_ factory: Factory) async throws {
        let store = try await factory.make()
        try await store.startUpload(id: "u3")
        await #expect(throws: BlobStoreError.tooLarge(limit: 100)) {
            try await store.append(to: "u3", at: 0, body: Self.chunks(Self.random(500)).async, limit: 100)
        }
        #expect(try await store.cancel(upload: "u3"))
        #expect(try await store.cancel(upload: "u3") == false)
        await #expect(throws: BlobStoreError.uploadUnknown) {
            try await store.append(to: "u3", at: 0, body: Self.chunks([1]).async, limit: .max)
        }
        let bytes = Self.random(100)
        let digest = DigestHasher.digest(of: bytes)
        try await store.startUpload(id: "u4")
        _ = try await store.append(to: "u4", at: 0, body: Self.chunks(bytes).async, limit: .max)
        _ = try await store.commit(upload: "u4", as: digest)
        await #expect(throws: BlobStoreError.rangeNotSatisfiable(size: 100)) {
            try await store.read(digest, range: ByteRange(start: 100, end: 101))
        }
        #expect(try await store.blobs().map(\.digest) == [digest])
        // A push that claimed the blob while it was set aside keeps it.
        #expect(try await store.delete(digest, unless: { true }) == false)
        #expect(try await store.size(of: digest) == 100)
        #expect(try await store.delete(digest, unless: { false }))
        #expect(try await store.read(digest, range: nil) == nil)
        #expect(try await store.delete(digest, unless: { false }) == false)
        #expect(try await store.blobs().isEmpty)
        #expect(try await store.uploads().isEmpty)
    }

    struct Undecided: Error {}

    @Test(arguments: factories) func aRemovalThatCannotDecideKeepsTheBlob(_ factory: Factory) async throws {
        let store = try await factory.make()
        let bytes = Self.random(100)
        let digest = DigestHasher.digest(of: bytes)
        try await store.startUpload(id: "u5")
        _ = try await store.append(to: "u5", at: 0, body: Self.chunks(bytes).async, limit: .max)
        _ = try await store.commit(upload: "u5", as: digest)
        // The database did not answer whether a push claimed it.
        await #expect(throws: Undecided.self) { try await store.delete(digest, unless: { throw Undecided() }) }
        #expect(try await Self.collect(try #require(try await store.read(digest, range: nil))) == bytes)
        // Handed back, not left aside.
        #expect(try await store.recoverTrash(setAsideBefore: .distantFuture) { _ in false } == TrashRecovery())
    }
}

@Suite("Storage layout")
struct StorageLayoutTests {
    @Test func keys() throws {
        let digest = try Digest(parsing: "sha256:" + String(repeating: "ab", count: 32))
        #expect(StorageLayout.blobKey(digest) == "blobs/sha256/ab/" + String(repeating: "ab", count: 32))
        #expect(StorageLayout.uploadKey("u-1") == "uploads/u-1")
        #expect(StorageLayout.isValidUploadID("0f8e-12ab"))
        for bad in ["", "../x", "a/b", "A", String(repeating: "a", count: 65)] {
            #expect(!StorageLayout.isValidUploadID(bad), "\(bad)")
        }
    }
}

extension Array where Element == ByteBuffer {
    /// The buffers as an async sequence, the shape request bodies have.
    var async: AsyncStream<ByteBuffer> {
        AsyncStream { continuation in
            for buffer in self { continuation.yield(buffer) }
            continuation.finish()
        }
    }
}
