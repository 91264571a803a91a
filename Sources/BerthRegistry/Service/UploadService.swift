import BerthMetadata
import BerthPolicies
import BerthStorage
import Foundation
import Logging
import NIOCore
import OCI
import Synchronization

/// Blob uploads: sessions that survive restarts, append in order, and make a
/// blob visible only once its digest matched. Bytes of known size pass the
/// push chain (quotas) before they are read.
public final class UploadService: Sendable {
    let blobs: any BlobStore
    let metadata: any MetadataStore
    public let limits: RegistryLimits
    let pushPolicies: [any PushPolicy]
    /// Which repository each upload this process started belongs to, so
    /// that PATCH and PUT skip a database read; the database stays the
    /// truth for uploads begun before a restart (or on another node).
    let uploadOwners = Mutex<[String: String]>([:])
    let logger: Logger

    public init(
        blobs: any BlobStore, metadata: any MetadataStore, limits: RegistryLimits = .init(), pushPolicies: [any PushPolicy] = [],
        logger: Logger
    ) {
        self.blobs = blobs
        self.metadata = metadata
        self.limits = limits
        self.pushPolicies = pushPolicies
        self.logger = logger
    }

    /// Opens an upload session for `repository` and returns its id;
    /// `digest` when the client named it already (a monolithic push).
    public func startUpload(_ repository: RepositoryName, digest: Digest? = nil) async throws -> String {
        let id = UUID().uuidString.lowercased()
        try await blobs.startUpload(id: id)
        try await metadata.createUpload(id: id, repository: repository, at: Date(), digest: digest)
        uploadOwners.withLock {
            if $0.count >= 100_000 { $0.removeAll(keepingCapacity: true) }
            $0[id] = repository.value
        }
        return id
    }

    /// Bytes received so far by an upload of `repository`.
    public func uploadOffset(_ repository: RepositoryName, _ id: String) async throws -> Int64 {
        try await checkUpload(repository, id)
        guard let size = try await blobs.uploadedSize(id: id) else { throw Self.uploadUnknown(id) }
        return size
    }

    /// Appends a chunk. `offset` is where the client says it starts (from
    /// `Content-Range`); nil appends at the current end. `length`, when
    /// declared, is checked against the project's quota before any byte is read.
    public func appendUpload<Body: AsyncSequence & Sendable>(
        _ repository: RepositoryName, _ id: String, offset: Int64?, length: Int64? = nil, body: Body
    ) async throws -> Int64 where Body.Element == ByteBuffer {
        try await checkUpload(repository, id)
        try await admitUpload(repository, id, digest: nil, length: length)
        return try await append(id, offset: offset, body: body)
    }

    /// Appends the last bytes (if any), verifies the digest and makes the
    /// blob readable through `repository`. A digest mismatch ends the session.
    public func completeUpload<Body: AsyncSequence & Sendable>(
        _ repository: RepositoryName, _ id: String, digest: Digest, offset: Int64?, length: Int64? = nil, body: Body,
        announced: Bool = false
    ) async throws -> Int64 where Body.Element == ByteBuffer {
        try await checkUpload(repository, id)
        try await admitUpload(repository, id, digest: digest, length: length)
        _ = try await append(id, offset: offset, body: body)
        if !announced {
            // Garbage collection must see the claim before the bytes can become the blob.
            try await metadata.announceCommit(upload: id, digest: digest)
        }
        let size: Int64
        do {
            size = try await blobs.commit(upload: id, as: digest)
        } catch BlobStoreError.digestMismatch(let actual) {
            try await discardUpload(id)
            throw RegistryError(
                .digestInvalid, "uploaded content has digest \(actual), not \(digest)",
                detail: ["digest": digest.description])
        } catch let error as BlobStoreError {
            throw Self.translate(error, id: id)
        }
        try await metadata.linkBlob(repository, digest, size: size, completing: id)
        uploadOwners.withLock { _ = $0.removeValue(forKey: id) }
        logger.info("blob pushed", metadata: ["repository": "\(repository)", "digest": "\(digest)", "size": "\(size)"])
        return size
    }

    /// Pushes a whole blob in one request (`POST ?digest=`).
    public func uploadMonolithic<Body: AsyncSequence & Sendable>(
        _ repository: RepositoryName, digest: Digest, length: Int64? = nil, body: Body
    ) async throws -> Int64 where Body.Element == ByteBuffer {
        // Without a declared length (chunked) the chain still runs: a read-only project refuses any size.
        try await pushPolicies.admitBlob(into: repository, digest: digest, size: { length ?? 0 })
        let id = try await startUpload(repository, digest: digest)
        do {
            return try await completeUpload(repository, id, digest: digest, offset: 0, body: body, announced: true)
        } catch {
            try? await discardUpload(id)
            throw error
        }
    }

    public func cancelUpload(_ repository: RepositoryName, _ id: String) async throws {
        try await checkUpload(repository, id)
        try await discardUpload(id)
    }

    /// Removes upload sessions (and their bytes) idle for longer than `maxAge`,
    /// including bytes whose session record was never written.
    public func reapUploads(olderThan maxAge: TimeInterval) async throws -> Int {
        let cutoff = Date().addingTimeInterval(-maxAge)
        var reaped = 0
        let stored = try await blobs.uploads()
        let lastGrown = Dictionary(stored.map { ($0.id, $0.modified) }, uniquingKeysWith: max)
        for record in try await metadata.uploads(startedBefore: cutoff) {
            // A session still growing is not abandoned.
            if let modified = lastGrown[record.id], modified > cutoff { continue }
            try await discardUpload(record.id)
            reaped += 1
        }
        for (id, modified) in stored where modified < cutoff {
            if try await metadata.upload(id: id) == nil, try await blobs.cancel(upload: id) {
                reaped += 1
            }
        }
        reaped += try await blobs.reapUnfinishedCommits(startedBefore: cutoff)
        if reaped > 0 { logger.info("reaped abandoned uploads", metadata: ["count": "\(reaped)"]) }
        return reaped
    }

    // MARK: Helpers

    private func append<Body: AsyncSequence & Sendable>(
        _ id: String, offset: Int64?, body: Body
    ) async throws -> Int64 where Body.Element == ByteBuffer {
        do {
            guard let current = try await blobs.uploadedSize(id: id) else { throw Self.uploadUnknown(id) }
            if let offset, offset != current { throw BlobStoreError.offsetMismatch(size: current) }
            return try await blobs.append(to: id, at: current, body: body, limit: limits.maxBlobSize)
        } catch BlobStoreError.tooLarge(let limit) {
            try await discardUpload(id)
            throw RegistryError(.sizeInvalid, "blob exceeds the limit of \(limit) bytes", status: 413)
        } catch let error as BlobStoreError {
            throw Self.translate(error, id: id)
        }
    }

    /// An upload's bytes so far plus a declared `length` go through the push
    /// chain (the quota). A refused upload is discarded at once: its bytes
    /// could never become a blob of this project, so they should not wait for the reaper.
    private func admitUpload(_ repository: RepositoryName, _ id: String, digest: Digest?, length: Int64?) async throws {
        guard !pushPolicies.isEmpty else { return }
        let length = length ?? 0
        do {
            try await pushPolicies.admitBlob(into: repository, digest: digest, size: { [blobs] in
                let (sum, overflow) = (try await blobs.uploadedSize(id: id) ?? 0).addingReportingOverflow(length)
                return overflow ? .max : sum
            })
        } catch let error as RegistryError where error.code == .denied {
            try await discardUpload(id)
            throw error
        }
    }

    private func checkUpload(_ repository: RepositoryName, _ id: String) async throws {
        guard StorageLayout.isValidUploadID(id) else { throw Self.uploadUnknown(id) }
        if let owner = uploadOwners.withLock({ $0[id] }) {
            guard owner == repository.value else { throw Self.uploadUnknown(id) }
            return
        }
        guard let record = try await metadata.upload(id: id), record.repository == repository.value else {
            throw Self.uploadUnknown(id)
        }
    }

    private func discardUpload(_ id: String) async throws {
        uploadOwners.withLock { _ = $0.removeValue(forKey: id) }
        _ = try await blobs.cancel(upload: id)
        try await metadata.deleteUpload(id: id)
    }

    private static func uploadUnknown(_ id: String) -> RegistryError {
        RegistryError(.blobUploadUnknown, detail: ["uuid": String(id.prefix(64))])
    }

    private static func translate(_ error: BlobStoreError, id: String) -> any Error {
        switch error {
        case .uploadUnknown: uploadUnknown(id)
        case .offsetMismatch(let size): UploadOutOfOrder(id: id, size: size)
        case .uploadBusy: UploadOutOfOrder(id: id, size: nil)
        case .digestMismatch(let actual): RegistryError(.digestInvalid, "uploaded content has digest \(actual)")
        case .tooLarge(let limit): RegistryError(.sizeInvalid, "blob exceeds \(limit) bytes", status: 413)
        case .rangeNotSatisfiable(let size): RangeNotSatisfiable(size: size)
        }
    }
}

/// A chunk that does not start where the upload ends (or races another
/// request on the same upload): answered 416 with the upload's real range.
public struct UploadOutOfOrder: Error {
    public let id: String
    /// Bytes the upload holds, when known.
    public let size: Int64?
}
