import Foundation
import OCI

/// `GarbageCollectionStore` over the same `SQLBackend` (and database) as
/// the content, whose tables it reads and prunes: each removal re-checks,
/// in its own transaction, what the content store may have written since,
/// after taking the lock that keeps pushes out of what it checks (see
/// `ContentLocks`): read-committed statements that follow a lock see
/// everything committed before it was granted.
public final class SQLGarbageCollectionStore: GarbageCollectionStore {
    let backend: any SQLBackend

    /// The schema is migrated by `SQLStores.open`, which makes this store.
    init(backend: any SQLBackend) {
        self.backend = backend
    }

    public func manifestGraph() async throws -> [ManifestNode] {
        let (manifests, references, tagged) = try await backend.read { db in
            (
                try db.rows("SELECT repository, digest, subject, created_at FROM manifests"),
                try db.rows("SELECT repository, manifest, child, kind FROM manifest_references"),
                try db.rows("SELECT DISTINCT repository, digest FROM tags")
            )
        }
        struct Key: Hashable { let repository: String, digest: String }
        var children: [Key: (manifests: [Digest], blobs: [Digest])] = [:]
        for row in references {
            let key = Key(repository: try row.text("repository"), digest: try row.text("manifest"))
            let child = try Digest(parsing: row.text("child"))
            if try row.text("kind") == "manifest" { children[key, default: ([], [])].manifests.append(child) }
            else { children[key, default: ([], [])].blobs.append(child) }
        }
        let tags = Set(try tagged.map { Key(repository: try $0.text("repository"), digest: try $0.text("digest")) })
        return try manifests.map { row in
            let key = Key(repository: try row.text("repository"), digest: try row.text("digest"))
            return ManifestNode(
                repository: key.repository, digest: try Digest(parsing: key.digest),
                subject: try row.optionalText("subject").map { try Digest(parsing: $0) },
                createdAt: try row.time("created_at"), tagged: tags.contains(key),
                childManifests: children[key]?.manifests ?? [], blobs: children[key]?.blobs ?? [])
        }
    }

    public func indexedBlobs() async throws -> [IndexedBlob] {
        try await backend.read { db in
            try db.rows("SELECT digest, size, created_at FROM blobs").map(Self.indexedBlob)
        }
    }

    private static func indexedBlob(_ row: SQLRow) throws -> IndexedBlob {
        IndexedBlob(
            digest: try Digest(parsing: row.text("digest")), size: try row.integer("size"),
            linkedAt: try row.time("created_at"))
    }

    public func deleteGarbageManifest(_ node: ManifestNode, olderThan cutoff: Date, untaggedToo: Bool) async throws -> Bool {
        let (r, d) = (SQLValue.text(node.repository), SQLValue.text(node.digest.description))
        return try await backend.transaction(durable: true, isolation: .readCommitted) { db in
            try db.lock(ContentLocks.manifestRemoval(node.repository))
            guard let row = try db.row(
                """
                SELECT subject FROM manifests m WHERE repository = ? AND digest = ? AND created_at < ?
                AND NOT EXISTS (SELECT 1 FROM tags t WHERE t.repository = m.repository AND t.digest = m.digest)
                AND NOT EXISTS (SELECT 1 FROM manifest_references c
                    WHERE c.repository = m.repository AND c.child = m.digest AND c.kind = 'manifest')
                """, r, d, .time(cutoff))
            else { return false }
            if let subject = try row.optionalText("subject") {
                let alive = try db.row("SELECT 1 AS found FROM manifests WHERE repository = ? AND digest = ?", r, .text(subject))
                if alive != nil { return false }
            } else if !untaggedToo {
                return false
            }
            try db.execute("DELETE FROM manifest_references WHERE repository = ? AND manifest = ?", r, d)
            try db.execute("DELETE FROM manifests WHERE repository = ? AND digest = ?", r, d)
            try SQLScanStore.forget(r, d, in: db)
            try SQLContentStore.forgetIfEmpty(db, r)
            return true
        }
    }

    public func forgetUnreferencedBlobs(_ digests: [Digest], linkedBefore cutoff: Date) async throws -> [IndexedBlob] {
        let flavor = backend.flavor
        return try await backend.transaction(durable: true, isolation: .readCommitted) { db in
            var forgotten: [IndexedBlob] = []
            // In digest order (a push locks its blobs in the order its query
            // meets them, so a deadlock stays possible: the batch is retried).
            for digest in digests.sorted(by: { $0.description < $1.description }) {
                let d = SQLValue.text(digest.description)
                // Waits for pushes holding the row (a manifest referencing the
                // blob, a link of it); the check below then sees what they wrote.
                if flavor == .postgres { try db.execute("SELECT digest FROM blobs WHERE digest = ? FOR UPDATE", [d]) }
                guard let row = try db.row(
                    """
                    SELECT digest, size, created_at FROM blobs b WHERE digest = ? AND created_at < ?
                    AND NOT EXISTS (SELECT 1 FROM manifest_references c WHERE c.child = b.digest AND c.kind = 'blob')
                    AND NOT EXISTS (SELECT 1 FROM uploads u WHERE u.digest = b.digest)
                    """, d, .time(cutoff))
                else { continue }
                try db.execute("DELETE FROM repository_blobs WHERE digest = ?", d)
                try db.execute("DELETE FROM blobs WHERE digest = ?", d)
                forgotten.append(try Self.indexedBlob(row))
            }
            return forgotten
        }
    }

    public func blobIsClaimed(_ digest: Digest) async throws -> Bool {
        let d = SQLValue.text(digest.description)
        return try await backend.read { db in
            try db.row("SELECT 1 AS found FROM blobs WHERE digest = ?", d) != nil
                || db.row("SELECT 1 AS found FROM uploads WHERE digest = ?", d) != nil
        }
    }

    public func bumpContentEpoch() async throws {
        try await backend.transaction(durable: true) { db in
            try db.execute(
                "INSERT INTO epochs (name, value) VALUES ('content', 1) ON CONFLICT (name) DO UPDATE SET value = epochs.value + 1")
        }
    }

    public func contentEpoch() async throws -> Int64 {
        try await backend.read { db in
            try db.row("SELECT value FROM epochs WHERE name = 'content'")?.integer("value") ?? 0
        }
    }
}
