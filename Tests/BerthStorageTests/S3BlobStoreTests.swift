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
