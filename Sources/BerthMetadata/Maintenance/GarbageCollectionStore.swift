import Foundation
import OCI

/// What garbage collection reads and removes. Every removal re-checks, in
/// its own transaction, that what it removes is still garbage, so pushes
/// that committed since the collector looked are never undone.
public protocol GarbageCollectionStore: Sendable {
    /// Every manifest with what it points at: the graph the collector marks.
    func manifestGraph() async throws -> [ManifestNode]
    /// Every blob the registry indexes.
    func indexedBlobs() async throws -> [IndexedBlob]
    /// Removes a manifest if it is still untagged, not a child of an index
    /// in its repository, older than `cutoff` and, when it has a subject,
    /// that subject is gone (or `untaggedToo`, when it has none).
    func deleteGarbageManifest(_ node: ManifestNode, olderThan cutoff: Date, untaggedToo: Bool) async throws -> Bool
    /// Removes the index entries of those `digests` that no manifest
    /// references, no upload is committing and nobody linked after
    /// `cutoff`; returns the ones removed with their sizes.
    func forgetUnreferencedBlobs(_ digests: [Digest], linkedBefore cutoff: Date) async throws -> [IndexedBlob]
    /// Whether the registry indexes `digest` or an upload is committing it.
    func blobIsClaimed(_ digest: Digest) async throws -> Bool
    /// Tells every node's caches that content was removed.
    func bumpContentEpoch() async throws
    /// Changes whenever content was removed by a collection or retention run.
    func contentEpoch() async throws -> Int64
}

public struct ManifestNode: Sendable, Hashable {
    public let repository: String
    public let digest: Digest
    public let subject: Digest?
    public let createdAt: Date
    public let tagged: Bool
    /// Child manifests (of an index) and blobs, by kind.
    public let childManifests: [Digest]
    public let blobs: [Digest]
}

public struct IndexedBlob: Sendable, Hashable {
    public let digest: Digest
    public let size: Int64
    /// When a repository last linked it (a push or a mount).
    public let linkedAt: Date
}

extension SQLMetadataStore: GarbageCollectionStore {

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
        return try await backend.transaction(durable: true) { db in
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
            try SQLMetadataStore.forgetIfEmpty(db, r)
            return true
        }
    }

    public func forgetUnreferencedBlobs(_ digests: [Digest], linkedBefore cutoff: Date) async throws -> [IndexedBlob] {
        try await backend.transaction(durable: true) { db in
            var forgotten: [IndexedBlob] = []
            for digest in digests {
                let d = SQLValue.text(digest.description)
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
