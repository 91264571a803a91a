@testable import BerthS3
import BerthStorage
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import NIOCore
import OCI
import Testing

/// What only the S3 store does: multipart commits, pieces written by
/// another node, presigned downloads.
@Suite("S3 blob store", .enabled(if: S3TestServer.configuration() != nil, "BERTH_TEST_S3_ENDPOINT names no server"))
struct S3BlobStoreTests {
    @Test func largeUploadsInUnevenChunksCommitAsMultipart() async throws {
        let configuration = try #require(S3TestServer.configuration())
        let store = try await S3TestServer.store(configuration)
        let bytes = BlobStoreConformanceTests.random(13 << 20)
        let digest = DigestHasher.digest(of: bytes)
        try await store.startUpload(id: "big")
        // 6 MiB, then 1 MiB (a small piece in the middle), then the rest.
        var offset: Int64 = 0
        for size in [6 << 20, 1 << 20, 6 << 20] {
            let part = Array(bytes[Int(offset)..<Int(offset) + size])
            offset = try await store.append(to: "big", at: offset, body: BlobStoreConformanceTests.chunks(part, size: 100_000).async, limit: .max)
        }
        #expect(try await store.commit(upload: "big", as: digest) == Int64(bytes.count))
        #expect(try await BlobStoreConformanceTests.collect(try #require(try await store.read(digest, range: nil))) == bytes)
        let middle = try #require(try await store.read(digest, range: ByteRange(start: 5 << 20, end: (7 << 20) + 3)))
        #expect(try await BlobStoreConformanceTests.collect(middle) == Array(bytes[(5 << 20)..<((7 << 20) + 3)]))
        #expect(try await store.uploads().isEmpty)
    }

    @Test func unfinishedMultipartCommitsAreAborted() async throws {
        let configuration = try #require(S3TestServer.configuration())
        let store = try await S3TestServer.store(configuration)
        // What a node that died between starting and completing a commit leaves behind.
        let s3 = S3Client(store.configuration)
        _ = try await s3.createMultipart(store.configuration.prefix + "blobs/sha256/00/" + String(repeating: "0", count: 64))
        // (moto reports one fixed initiation time for every upload, so only a cutoff after now is meaningful here.)
        #expect(try await store.reapUnfinishedCommits(startedBefore: Date().addingTimeInterval(60)) == 1)
        #expect(try await store.reapUnfinishedCommits(startedBefore: Date().addingTimeInterval(60)) == 0)
    }

    @Test func anotherNodeContinuesAndCommitsAnUpload() async throws {
        let configuration = try #require(S3TestServer.configuration())
        let first = try await S3TestServer.store(configuration)
        // Same bucket and prefix: what a second node sees.
        let second = S3BlobStore(first.configuration)
        let bytes = BlobStoreConformanceTests.random(12 << 20)
        let digest = DigestHasher.digest(of: bytes)
        try await first.startUpload(id: "moving")
        let half = try await first.append(
            to: "moving", at: 0, body: BlobStoreConformanceTests.chunks(Array(bytes[..<(6 << 20)])).async, limit: .max)
        #expect(try await second.uploadedSize(id: "moving") == half)
        _ = try await second.append(
            to: "moving", at: half, body: BlobStoreConformanceTests.chunks(Array(bytes[(6 << 20)...])).async, limit: .max)
        // A third view of the bucket commits, recomputing the hash from the pieces.
        let third = S3BlobStore(first.configuration)
        await #expect(throws: BlobStoreError.digestMismatch(actual: digest)) {
            try await third.commit(upload: "moving", as: DigestHasher.digest(of: [1]))
        }
        #expect(try await third.commit(upload: "moving", as: digest) == Int64(bytes.count))
        #expect(try await first.size(of: digest) == Int64(bytes.count))
    }

    /// Copies of whole objects over the single-copy limit (5 GiB on S3; 6 MiB
    /// here, with 5 MiB parts) go in ranged parts: the single-piece commit,
    /// the set-aside of a removal, and the handing back.
    @Test func largeCopiesGoInRangedParts() async throws {
        let configuration = try #require(S3TestServer.configuration(partSize: 16 << 20))
        let store = S3BlobStore(configuration, http: .shared, copyLimits: CopyLimits(singleCopy: 6 << 20, part: 5 << 20))
        try await store.ensureBucket()
        let bytes = BlobStoreConformanceTests.random((13 << 20) + 7)
        let digest = DigestHasher.digest(of: bytes)
        let blobKey = configuration.prefix + StorageLayout.blobKey(digest)
        /// A multipart object's ETag ends in `-<parts>`.
        func etag() async throws -> String? { try await store.s3.send(.HEAD, key: blobKey).headers.first(name: "ETag") }

        try await store.startUpload(id: "one")
        _ = try await store.append(to: "one", at: 0, body: BlobStoreConformanceTests.chunks(bytes, size: 1 << 20).async, limit: .max)
        #expect(try await store.s3.list(prefix: configuration.prefix + "uploads/").count == 2)  // the marker and one piece
        #expect(try await store.commit(upload: "one", as: digest) == Int64(bytes.count))
        #expect(try await etag()?.hasSuffix("-3\"") == true)
        #expect(try await BlobStoreConformanceTests.collect(try #require(try await store.read(digest, range: nil))) == bytes)

        #expect(try await store.delete(digest, unless: { true }) == false)
        #expect(try await etag()?.hasSuffix("-3\"") == true)
        #expect(try await BlobStoreConformanceTests.collect(try #require(try await store.read(digest, range: nil))) == bytes)
        #expect(try await store.delete(digest, unless: { false }))
        #expect(try await store.size(of: digest) == nil)
        #expect(try await store.s3.list(prefix: configuration.prefix).isEmpty)
        #expect(try await store.s3.multipartUploads(prefix: configuration.prefix).isEmpty)
    }

    /// Objects at the limit still go in one CopyObject.
    @Test func copiesUpToTheLimitAreSingle() async throws {
        let configuration = try #require(S3TestServer.configuration())
        let s3 = S3Client(configuration, copyLimits: CopyLimits(singleCopy: 6 << 20, part: 5 << 20))
        _ = try await s3.send(.PUT, key: "", allow: [409])
        let (source, copy) = (configuration.prefix + "source", configuration.prefix + "copy")
        try await s3.put(source, ByteBuffer(bytes: BlobStoreConformanceTests.random(6 << 20)))
        try await s3.copy(from: source, to: copy)
        #expect(try await s3.send(.HEAD, key: copy).headers.first(name: "ETag")?.contains("-") == false)
        #expect(try await s3.size(copy) == 6 << 20)
        let missing = await #expect(throws: S3Error.self) { try await s3.copy(from: configuration.prefix + "missing", to: copy) }
        #expect(missing?.code == "NoSuchKey")
    }

    @Test func presignedDownloads() async throws {
        var configuration = try #require(S3TestServer.configuration())
        configuration.redirectDownloads = true
        let store = try await S3TestServer.store(configuration)
        let bytes = BlobStoreConformanceTests.random(1000)
        let digest = DigestHasher.digest(of: bytes)
        try await store.startUpload(id: "p")
        _ = try await store.append(to: "p", at: 0, body: BlobStoreConformanceTests.chunks(bytes).async, limit: .max)
        _ = try await store.commit(upload: "p", as: digest)
        let url = try #require(store.downloadURL(digest))
        let (data, response) = try await URLSession.shared.data(from: URL(string: url)!)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        #expect(Array(data) == bytes)
    }
}
