#if canImport(Glibc)
import Glibc
#endif
import Foundation
import NIOPosix
import OCI

/// Removing blobs: set aside in `trash/` first, so a push that claims the
/// digest meanwhile gets it back; and recovery from a crash in between.
extension FileSystemBlobStore {
    public func delete(_ digest: Digest, unless stillNeeded: @Sendable () async throws -> Bool) async throws -> Bool {
        let blobPath = path(StorageLayout.blobKey(digest))
        let aside = path(StorageLayout.trashKey(digest, setAside: Date(), token: UUID().uuidString.lowercased()))
        do {
            try Posix.rename(blobPath, aside)
        } catch let error where error.errno == ENOENT {
            return false
        }
        let needed: Bool
        do {
            needed = try await stillNeeded()
        } catch {
            // Undecided (the database did not answer): keeping the blob is always safe.
            try? handBack(aside, to: blobPath)
            throw error
        }
        if needed {
            try handBack(aside, to: blobPath)
            return false
        }
        return try Posix.remove(aside)
    }

    public func recoverTrash(
        setAsideBefore cutoff: Date, stillNeeded: @Sendable (Digest) async throws -> Bool
    ) async throws -> TrashRecovery {
        let folder = path(StorageLayout.trashPrefix)
        let names = try await threadPool.runIfActive { try FileManager.default.contentsOfDirectory(atPath: folder) }
        var recovery = TrashRecovery()
        for name in names.sorted() {
            // Names that are not trash entries were not put there by this store: not ours to judge.
            guard let entry = StorageLayout.trashEntry(name), entry.setAside.map({ $0 < cutoff }) ?? true else { continue }
            let aside = "\(folder)/\(name)"
            let blobPath = path(StorageLayout.blobKey(entry.digest))
            if try Posix.fileSize(blobPath) == nil, try await stillNeeded(entry.digest) {
                let blobFolder = String(blobPath[..<blobPath.lastIndex(of: "/")!])
                try await threadPool.runIfActive {
                    try Posix.makeDirectories(blobFolder)
                    try Posix.rename(aside, blobPath)
                    try Posix.syncDirectory(blobFolder)
                }
                recovery.restored.append(entry.digest)
            } else if try Posix.remove(aside) {
                recovery.removed += 1
            }
        }
        return recovery
    }

    /// Puts a set-aside blob back, unless a push committed the digest again
    /// meanwhile: its bytes are the same, so either copy will do.
    private func handBack(_ aside: String, to blobPath: String) throws {
        if try Posix.fileSize(blobPath) == nil { try Posix.rename(aside, blobPath) } else { _ = try Posix.remove(aside) }
    }
}
