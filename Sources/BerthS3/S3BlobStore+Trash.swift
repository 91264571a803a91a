import BerthStorage
import Foundation
import OCI

/// Removing blobs: copied aside to `trash/` and deleted, so a push that
/// claims the digest meanwhile gets it back; and recovery from a crash in
/// between. Every copy here is confirmed before anything is deleted.
extension S3BlobStore {
    public func delete(_ digest: Digest, unless stillNeeded: @Sendable () async throws -> Bool) async throws -> Bool {
        let blobKey = key(StorageLayout.blobKey(digest))
        let aside = key(StorageLayout.trashKey(digest, setAside: Date(), token: UUID().uuidString.lowercased()))
        // The size chooses how to copy (CopyObject stops at 5 GiB).
        guard let size = try await s3.size(blobKey) else { return false }
        do {
            try await s3.copy(from: blobKey, to: aside, size: size)
        } catch let error as S3Error where error.status == 404 || error.code == "NoSuchKey" {
            return false
        }
        // Only once the copy is confirmed: a failed one throws before this, and the blob stays.
        try await s3.delete(blobKey)
        let needed: Bool
        do {
            needed = try await stillNeeded()
        } catch {
            // Undecided (the database did not answer): keeping the blob is always safe.
            try? await handBack(aside, to: blobKey, size: size)
            throw error
        }
        if needed {
            try await handBack(aside, to: blobKey, size: size)
            return false
        }
        try await s3.delete(aside)
        return true
    }

    /// Puts a set-aside blob back, unless a push committed the digest again
    /// meanwhile (the same bytes), then drops the set-aside copy.
    private func handBack(_ aside: String, to blobKey: String, size: Int64) async throws {
        if try await s3.size(blobKey) == nil { try await s3.copy(from: aside, to: blobKey, size: size) }
        try await s3.delete(aside)
    }

    public func recoverTrash(
        setAsideBefore cutoff: Date, stillNeeded: @Sendable (Digest) async throws -> Bool
    ) async throws -> TrashRecovery {
        let prefix = key(StorageLayout.trashPrefix + "/")
        var recovery = TrashRecovery()
        for object in try await s3.list(prefix: prefix).sorted(by: { $0.key < $1.key }) {
            // Names that are not trash entries were not put there by this store: not ours to judge.
            guard let entry = StorageLayout.trashEntry(String(object.key.dropFirst(prefix.count))),
                  entry.setAside.map({ $0 < cutoff }) ?? true
            else { continue }
            let blobKey = key(StorageLayout.blobKey(entry.digest))
            if try await s3.size(blobKey) == nil, try await stillNeeded(entry.digest) {
                try await s3.copy(from: object.key, to: blobKey, size: object.size)
                recovery.restored.append(entry.digest)
            } else {
                recovery.removed += 1
            }
            try await s3.delete(object.key)
        }
        return recovery
    }
}
