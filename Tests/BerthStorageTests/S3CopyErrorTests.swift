@testable import BerthS3
import BerthStorage
import Foundation
import NIOCore
import OCI
import Testing

/// A copy S3 answered with 200 but did not confirm failed, and nothing may
/// treat it as done: not the set-aside of a blob being removed (which
/// deletes the original next), not a commit. Against `S3CopyErrorStub`,
/// since no real S3 server can be made to give these answers on demand.
@Suite("S3 copies answered 200 without a result")
struct S3CopyErrorTests {
    static func store(_ stub: S3CopyErrorStub) -> S3BlobStore {
        S3BlobStore(S3Configuration(
            endpoint: stub.endpoint, bucket: stub.bucket, credentials: AWSCredentials(accessKeyID: "test", secretAccessKey: "test"),
            partSize: 5 << 20))
    }

    /// An embedded error, an empty body, and a document that is not a copy's result.
    static let answers = [S3CopyErrorStub.internalError, "", "<ListBucketResult></ListBucketResult>"]

    @Test(arguments: answers) func removingABlobKeepsItWhenItsSetAsideCopyFailed(_ answer: String) async throws {
        let stub = try await S3CopyErrorStub.start(copyAnswer: answer)
        let store = Self.store(stub)
        let bytes = BlobStoreConformanceTests.random(1000)
        let digest = DigestHasher.digest(of: bytes)
        stub[StorageLayout.blobKey(digest)] = bytes

        await #expect(throws: S3Error.self) { try await store.delete(digest, unless: { false }) }
        #expect(stub[StorageLayout.blobKey(digest)].map { DigestHasher.digest(of: $0) } == digest, "the original is still there")
        #expect(!stub.requests.contains { $0.method == "DELETE" })
        if answer == S3CopyErrorStub.internalError {
            // Retried as a 500 would be, then reported.
            #expect(stub.requests.filter { $0.copySource != nil }.count == S3Client.attempts)
        }
        try await stub.stop()
    }

    @Test func aSinglePieceCommitFailsWhenItsCopyFailed() async throws {
        let stub = try await S3CopyErrorStub.start()
        let store = Self.store(stub)
        let bytes = BlobStoreConformanceTests.random(1000)
        let digest = DigestHasher.digest(of: bytes)
        try await store.startUpload(id: "one")
        _ = try await store.append(to: "one", at: 0, body: BlobStoreConformanceTests.chunks(bytes).async, limit: .max)

        let error = await #expect(throws: S3Error.self) { try await store.commit(upload: "one", as: digest) }
        #expect(error?.code == "InternalError")
        #expect(try await store.size(of: digest) == nil)
        // The upload stays, so the client may commit again.
        #expect(try await store.uploadedSize(id: "one") == 1000)
        try await stub.stop()
    }
}
