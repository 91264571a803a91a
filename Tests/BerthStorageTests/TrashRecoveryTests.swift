@testable import BerthS3
import BerthStorage
import Foundation
import NIOCore
import OCI
import Testing

/// What a crash inside `delete(_:unless:)` leaves in `trash/`, recovered:
/// claimed blobs handed back, the rest removed, removals in progress left alone.
@Suite("Trash recovery")
struct TrashRecoveryTests {
    /// A store, and how to leave a blob as a crash between setting it aside
    /// and deciding would: under `trash/` (set aside at the given time), gone
    /// from its place.
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let make: @Sendable () async throws -> (store: any BlobStore, crash: @Sendable (Digest, Date) async throws -> Void)
        var testDescription: String { name }
    }

    static let cases: [Case] = {
        var cases = [
            Case(name: "filesystem") {
                let root = FileManager.default.temporaryDirectory.appendingPathComponent("berth-trash-\(UUID().uuidString)").path
                let store = try FileSystemBlobStore(root: root, threadPool: .singleton)
                return (store, { digest, date in
                    try FileManager.default.moveItem(
                        atPath: "\(root)/\(StorageLayout.blobKey(digest))",
                        toPath: "\(root)/\(StorageLayout.trashKey(digest, setAside: date, token: "crashed"))")
                })
            }
        ]
        if let configuration = S3TestServer.configuration() {
            cases.append(Case(name: "s3") {
                let store = try await S3TestServer.store(configuration)
                return (store, { digest, date in
                    let blobKey = store.key(StorageLayout.blobKey(digest))
                    try await store.s3.copy(from: blobKey, to: store.key(StorageLayout.trashKey(digest, setAside: date, token: "crashed")))
                    try await store.s3.delete(blobKey)
                })
            })
        }
        return cases
    }()

    static func push(_ bytes: [UInt8], to store: any BlobStore) async throws -> Digest {
        let digest = DigestHasher.digest(of: bytes)
        let id = UUID().uuidString.lowercased()
        try await store.startUpload(id: id)
        _ = try await store.append(to: id, at: 0, body: BlobStoreConformanceTests.chunks(bytes).async, limit: .max)
        _ = try await store.commit(upload: id, as: digest)
        return digest
    }

    @Test(arguments: cases) func claimedBlobsComeBackAndTheRestGo(_ testCase: Case) async throws {
        let (store, crash) = try await testCase.make()
        let contents = (0..<4).map { _ in BlobStoreConformanceTests.random(1000) }
        var digests: [Digest] = []
        for bytes in contents { digests.append(try await Self.push(bytes, to: store)) }
        let (claimed, unclaimed, pushedAgain, inProgress) = (digests[0], digests[1], digests[2], digests[3])
        let now = Date()
        for digest in [claimed, unclaimed, pushedAgain] { try await crash(digest, now.addingTimeInterval(-3600)) }
        _ = try await Self.push(contents[2], to: store)
        try await crash(inProgress, now)

        let recovery = try await store.recoverTrash(setAsideBefore: now.addingTimeInterval(-600)) { digest in
            digest == claimed || digest == pushedAgain
        }
        #expect(recovery == TrashRecovery(restored: [claimed], removed: 2))
        #expect(try await BlobStoreConformanceTests.collect(try #require(try await store.read(claimed, range: nil))) == contents[0])
        #expect(try await store.size(of: unclaimed) == nil)
        #expect(try await BlobStoreConformanceTests.collect(try #require(try await store.read(pushedAgain, range: nil))) == contents[2])
        // Set aside after the cutoff: maybe another process's removal, so still aside.
        #expect(try await store.size(of: inProgress) == nil)
        #expect(try await store.recoverTrash(setAsideBefore: .distantFuture) { _ in true } == TrashRecovery(restored: [inProgress]))
        #expect(try await store.size(of: inProgress) == 1000)
        #expect(try await store.recoverTrash(setAsideBefore: .distantFuture) { _ in true } == TrashRecovery())
    }

    @Test func theFilesystemLeavesNamesItDidNotWriteAlone() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("berth-trash-\(UUID().uuidString)").path
        let store = try FileSystemBlobStore(root: root, threadPool: .singleton)
        let bytes = BlobStoreConformanceTests.random(10)
        let digest = DigestHasher.digest(of: bytes)
        // One left by a version that did not record the time, and a stranger.
        let legacy = "\(root)/trash/\(digest.hex).\(UUID().uuidString.lowercased())"
        #expect(FileManager.default.createFile(atPath: legacy, contents: Data(bytes)))
        #expect(FileManager.default.createFile(atPath: "\(root)/trash/notes.txt", contents: Data()))
        #expect(try await store.recoverTrash(setAsideBefore: Date.distantPast) { _ in true } == TrashRecovery(restored: [digest]))
        #expect(try await store.size(of: digest) == 10)
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(root)/trash") == ["notes.txt"])
    }

    @Test func trashNamesRecordTheDigestAndTime() throws {
        let digest = DigestHasher.digest(of: [1, 2, 3])
        let long = DigestHasher.digest(of: [1, 2, 3], algorithm: .sha512)
        let date = Date(timeIntervalSince1970: 1_750_000_000.25)
        let key = StorageLayout.trashKey(digest, setAside: date, token: "abc-1")
        #expect(key == "trash/\(digest.hex).1750000000250.abc-1")
        let entry = try #require(StorageLayout.trashEntry(String(key.dropFirst("trash/".count))))
        #expect(entry.digest == digest && entry.setAside == Date(timeIntervalSince1970: 1_750_000_000.25))
        #expect(StorageLayout.trashEntry("\(long.hex).1.x")?.digest == long)
        let legacy = try #require(StorageLayout.trashEntry("\(digest.hex).0f8e-12ab"))
        #expect(legacy.digest == digest && legacy.setAside == nil)
        let hex = digest.hex
        for bad in ["notes.txt", hex, "\(hex).", "\(hex).soon.x", "\(hex.dropLast()).x", "\(hex.uppercased()).x", "\(hex).1.x.y"] {
            #expect(StorageLayout.trashEntry(bad) == nil, "\(bad)")
        }
    }
}
