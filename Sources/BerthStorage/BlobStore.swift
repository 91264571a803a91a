import Foundation
import NIOCore
import OCI

/// Content-addressed blob storage with an area for uploads in progress.
///
/// Contract: a blob is readable under its digest only after all its bytes
/// were written, flushed to stable storage and matched that digest. Uploads
/// are append-only and ordered; their state survives a restart of the
/// process (the bytes are the state).
public protocol BlobStore: Sendable {
    /// The size of a stored blob, or nil when there is none.
    func size(of digest: Digest) async throws -> Int64?

    /// Opens `range` of a blob (all of it when nil) for streaming; nil when
    /// the blob does not exist. Throws `BlobStoreError.rangeNotSatisfiable`.
    func read(_ digest: Digest, range: ByteRange?) async throws -> BlobChunks?

    /// Removes a blob unless, once it is out of sight, `stillNeeded` says a
    /// push meanwhile claimed it: the blob is first moved aside, so a push
    /// that starts after the move writes its own copy, and one that claimed
    /// the blob before `stillNeeded` runs gets it back. Returns false when
    /// nothing was removed. When `stillNeeded` throws, the blob is handed
    /// back (keeping it is always safe) and the error rethrown.
    func delete(_ digest: Digest, unless stillNeeded: @Sendable () async throws -> Bool) async throws -> Bool

    /// Finishes the removals a crash interrupted. A process that dies inside
    /// `delete(_:unless:)` leaves the blob set aside under `trash/`, and
    /// missing from its place if it died before handing it back. Each entry
    /// set aside before `cutoff` is handed back when its blob is missing and
    /// `stillNeeded(digest)` says a live upload or link claims it, and is
    /// removed otherwise. Entries set aside later are left alone: they may
    /// be a removal another process (`berth gc`, another node) is making
    /// right now, so give a cutoff well past how long one takes (minutes).
    func recoverTrash(
        setAsideBefore cutoff: Date, stillNeeded: @Sendable (Digest) async throws -> Bool
    ) async throws -> TrashRecovery

    /// Every stored blob with the time it was written, for garbage collection.
    func blobs() async throws -> [(digest: Digest, modified: Date)]

    /// Creates the empty upload `id`.
    func startUpload(id: String) async throws

    /// Bytes received so far by upload `id`, or nil when it does not exist.
    func uploadedSize(id: String) async throws -> Int64?

    /// Appends `body` to upload `id`, which must hold exactly `offset` bytes,
    /// never letting it grow past `limit`. Returns the new size.
    func append<Body: AsyncSequence & Sendable>(
        to id: String, at offset: Int64, body: Body, limit: Int64
    ) async throws -> Int64 where Body.Element == ByteBuffer

    /// Verifies upload `id` against `digest` and, on a match, makes it the
    /// blob `digest` and removes the upload. Returns the blob's size. On a
    /// mismatch throws `BlobStoreError.digestMismatch` and keeps the upload.
    func commit(upload id: String, as digest: Digest) async throws -> Int64

    /// Discards upload `id`. Returns false when there was none.
    func cancel(upload id: String) async throws -> Bool

    /// Every upload in the store with the time it last grew, for reaping.
    func uploads() async throws -> [(id: String, modified: Date)]

    /// A URL clients may download the blob from directly (a presigned
    /// object-store URL), or nil to stream it through the registry.
    func downloadURL(_ digest: Digest) -> String?

    /// Removes what a crash mid-commit may have left besides uploads (an
    /// object store's unfinished multipart uploads) begun before `date`.
    func reapUnfinishedCommits(startedBefore date: Date) async throws -> Int
}

/// What stores without an object store's extras (or without a trash) answer.
extension BlobStore {
    public func downloadURL(_ digest: Digest) -> String? { nil }
    public func reapUnfinishedCommits(startedBefore date: Date) async throws -> Int { 0 }
    public func recoverTrash(
        setAsideBefore cutoff: Date, stillNeeded: @Sendable (Digest) async throws -> Bool
    ) async throws -> TrashRecovery { TrashRecovery() }
}

/// What `BlobStore.recoverTrash` did.
public struct TrashRecovery: Sendable, Equatable {
    /// Blobs handed back to their place because something still claims them.
    public var restored: [Digest] = []
    /// Entries removed: nothing claimed their blob, or it was stored again.
    public var removed = 0

    public init(restored: [Digest] = [], removed: Int = 0) {
        self.restored = restored
        self.removed = removed
    }
}

/// A half-open byte range `start..<end` of a blob.
public struct ByteRange: Sendable, Equatable {
    public let start: Int64
    public let end: Int64
    public init(start: Int64, end: Int64) {
        self.start = start
        self.end = end
    }
    public var count: Int64 { end - start }
}

public enum BlobStoreError: Error, Sendable, Equatable {
    case uploadUnknown
    /// The upload holds `size` bytes, not the offset the request assumed.
    case offsetMismatch(size: Int64)
    case digestMismatch(actual: Digest)
    case tooLarge(limit: Int64)
    /// Another request is writing the same upload right now.
    case uploadBusy
    case rangeNotSatisfiable(size: Int64)
}

/// The bytes of one blob read, pulled one chunk at a time so a slow client
/// slows the reads instead of filling memory.
public struct BlobChunks: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    /// Bytes this read yields in all.
    public let count: Int64
    /// Size of the whole blob.
    public let blobSize: Int64
    private let pull: @Sendable () async throws -> ByteBuffer?

    public init(count: Int64, blobSize: Int64, pull: @escaping @Sendable () async throws -> ByteBuffer?) {
        self.count = count
        self.blobSize = blobSize
        self.pull = pull
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let pull: @Sendable () async throws -> ByteBuffer?
        public mutating func next() async throws -> ByteBuffer? { try await pull() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(pull: pull) }
}
