import Foundation
import OCI

/// `MetadataStore` over any `SQLBackend`: one implementation of the content
/// queries (repositories, blobs, manifests, tags, referrers, uploads) for
/// SQLite and PostgreSQL alike. A change's events are written to the
/// outbox in the change's own transaction, so none is lost or invented.
///
/// Writes run read-committed (on PostgreSQL) under `ContentLocks`: every
/// check a write makes is either under a lock that keeps conflicting
/// writers out until it commits, or a locking read of the rows it checks.
public final class SQLContentStore: MetadataStore {
    let backend: any SQLBackend
    /// Shared with the outbox store, whose relay learns from it that this
    /// process wrote events.
    let eventWrites: EventWriteCounter

    /// The schema is migrated by `SQLStores.open`, which makes this store.
    init(backend: any SQLBackend, eventWrites: EventWriteCounter) {
        self.backend = backend
        self.eventWrites = eventWrites
    }

    // MARK: Repositories

    public func repositories(after last: String?, limit: Int) async throws -> [String] {
        try await backend.read { db in
            try db.rows("SELECT name FROM repositories WHERE name > ? ORDER BY name LIMIT ?", .text(last ?? ""), .integer(Int64(limit)))
                .map { try $0.text("name") }
        }
    }

    public func repositoryExists(_ repository: RepositoryName) async throws -> Bool {
        try await backend.read { db in
            try db.row("SELECT 1 AS found FROM repositories WHERE name = ?", .text(repository.value)) != nil
        }
    }

    public func storedBytes() async throws -> Int64 {
        try await backend.read { db in
            try db.row("SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) AS bytes FROM blobs")?.integer("bytes") ?? 0
        }
    }

    public func projectBytes(_ project: String) async throws -> Int64 {
        try await backend.read { db in
            try db.rows(
                """
                SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) AS bytes FROM blobs WHERE digest IN (
                    SELECT digest FROM repository_blobs WHERE \(ProjectScope.condition("repository")))
                """, ProjectScope.arguments(project)
            ).first?.integer("bytes") ?? 0
        }
    }

    public func projectHasBlob(_ project: String, _ digest: Digest) async throws -> Bool {
        try await backend.read { db in
            try db.rows(
                "SELECT 1 AS found FROM repository_blobs WHERE digest = ? AND \(ProjectScope.condition("repository")) LIMIT 1",
                [.text(digest.description)] + ProjectScope.arguments(project)).first != nil
        }
    }

    private static func ensureRepository(_ repository: RepositoryName, now: Int64) -> SQLStatement {
        SQLStatement("INSERT INTO repositories (name, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING", [.text(repository.value), .integer(now)])
    }

    // MARK: Blobs

    public func linkedBlobSize(_ repository: RepositoryName, _ digest: Digest) async throws -> Int64? {
        try await backend.read { db in try Self.linkedBlobSize(db, repository, digest) }
    }

    private static func linkedBlobSize(_ db: any SQLSession, _ repository: RepositoryName, _ digest: Digest) throws -> Int64? {
        try db.row(
            """
            SELECT b.size AS size FROM repository_blobs l JOIN blobs b ON b.digest = l.digest
            WHERE l.repository = ? AND l.digest = ?
            """, .text(repository.value), .text(digest.description)
        ).map { try $0.integer("size") }
    }

    public func linkBlob(_ repository: RepositoryName, _ digest: Digest, size: Int64, completing upload: String?) async throws {
        let now = Date().millisSince1970
        try await backend.transaction(durable: true, isolation: .readCommitted) { db in
            // Held shared, like a push's: a project deleted meanwhile waits,
            // so no link outlives it (queued: no wait of its own).
            try db.lock(ContentLocks.tagWrite(repository, nil))
            try db.enqueue(together: (upload.map { [SQLStatement("DELETE FROM uploads WHERE id = ?", [.text($0)])] } ?? []) + [
                Self.ensureRepository(repository, now: now),
                // `created_at` is when the blob was last linked: garbage collection
                // spares blobs linked within its grace period, re-pushed ones included.
                SQLStatement(
                    "INSERT INTO blobs (digest, size, created_at) VALUES (?, ?, ?) ON CONFLICT (digest) DO UPDATE SET created_at = excluded.created_at",
                    [.text(digest.description), .integer(size), .integer(now)]),
                SQLStatement(
                    "INSERT INTO repository_blobs (repository, digest, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    [.text(repository.value), .text(digest.description), .integer(now)]),
            ])
        }
    }

    public func unlinkBlob(_ repository: RepositoryName, _ digest: Digest, events: [RegistryEvent]) async throws -> Bool {
        let unlinked = try await backend.transaction(durable: true, isolation: .readCommitted) { db in
            // The delete itself says whether the link was there: of two at once, one unlinks.
            let deleted = try db.rows(
                "DELETE FROM repository_blobs WHERE repository = ? AND digest = ? RETURNING digest",
                [.text(repository.value), .text(digest.description)])
            guard !deleted.isEmpty else { return false }
            try SQLEventOutboxStore.insertEvents(db, events)
            return true
        }
        if unlinked { eventWrites.committed(events) }
        return unlinked
    }

    // MARK: Manifests

    public func manifest(_ repository: RepositoryName, _ reference: Reference) async throws -> StoredManifest? {
        let row = try await backend.read { db in
            switch reference {
            case .digest(let digest):
                try db.row(
                    "SELECT digest, media_type, content FROM manifests WHERE repository = ? AND digest = ?",
                    .text(repository.value), .text(digest.description))
            case .tag(let tag):
                try db.row(
                    """
                    SELECT m.digest AS digest, m.media_type AS media_type, m.content AS content
                    FROM tags t JOIN manifests m ON m.repository = t.repository AND m.digest = t.digest
                    WHERE t.repository = ? AND t.name = ?
                    """, .text(repository.value), .text(tag.value))
            }
        }
        guard let row else { return nil }
        return StoredManifest(
            digest: try Digest(parsing: row.text("digest")),
            mediaType: try row.text("media_type"),
            content: Data(try row.bytes("content")))
    }

    public func putManifest(
        _ repository: RepositoryName, _ manifest: Manifest, tag: Tag?, refusingMove: RegistryError?, aliases: TagAliases?,
        events: @escaping PushEvents
    ) async throws -> Digest? {
        try await storeManifest(repository, manifest, tag: tag, refusingMove: refusingMove, aliases: aliases, checkingReferences: true, events: events)
    }

    public func cacheManifest(_ repository: RepositoryName, _ manifest: Manifest, tag: Tag?, events: @escaping PushEvents) async throws -> Digest? {
        try await storeManifest(repository, manifest, tag: tag, refusingMove: nil, aliases: nil, checkingReferences: false, events: events)
    }

    private func storeManifest(
        _ repository: RepositoryName, _ manifest: Manifest, tag: Tag?, refusingMove: RegistryError?, aliases: TagAliases?,
        checkingReferences: Bool, events: @escaping PushEvents
    ) async throws -> Digest? {
        let now = Date().millisSince1970
        let annotations = try manifest.annotations.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        let (r, d) = (SQLValue.text(repository.value), SQLValue.text(manifest.digest.description))
        let flavor = backend.flavor
        let (previous, written) = try await backend.transaction(durable: true, isolation: .readCommitted) { db -> (String?, [RegistryEvent]) in
            try db.lock(ContentLocks.tagWrite(repository, tag))
            // Read under the tag's lock: what the previous push of this tag committed.
            let current = try tag.flatMap { try db.row("SELECT digest FROM tags WHERE repository = ? AND name = ?", r, .text($0.value)) }
                .map { try $0.text("digest") }
            if let refusingMove, let current, current != manifest.digest.description {
                throw refusingMove
            }
            if checkingReferences { try Self.checkReferences(db, repository, manifest, flavor) }
            // The writes touch different tables and read none: one statement
            // on PostgreSQL, queued (nothing waits for it but the commit).
            var writes = [
                Self.ensureRepository(repository, now: now),
                SQLStatement(
                    """
                    INSERT INTO manifests (repository, digest, media_type, size, content, artifact_type, subject, annotations, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                    """,
                    [r, d, .text(manifest.mediaType), .integer(Int64(manifest.bytes.count)), .bytes(manifest.bytes),
                     .text(manifest.artifactType), .text(manifest.subject?.digest.description), .text(annotations), .integer(now)]),
            ]
            let references = manifest.requiredBlobs.map { ($0.digest, "blob") } + manifest.manifests.map { ($0.digest, "manifest") }
            for batch in references.batches(of: Self.rowsPerStatement) {
                writes.append(SQLStatement(
                    "INSERT INTO manifest_references (repository, manifest, child, kind) VALUES "
                        + Array(repeating: "(?, ?, ?, ?)", count: batch.count).joined(separator: ", ") + " ON CONFLICT DO NOTHING",
                    batch.flatMap { [r, d, .text($0.0.description), .text($0.1)] }))
            }
            var moves: [AliasMove] = []
            if let tag {
                let aliases = try aliases.map { try Self.aliasMoves(db, repository, $0, pushed: manifest.digest) } ?? []
                for name in [tag.value] + aliases.map(\.tag) {
                    writes.append(SQLStatement(
                        """
                        INSERT INTO tags (repository, name, digest, updated_at) VALUES (?, ?, ?, ?)
                        ON CONFLICT (repository, name) DO UPDATE SET digest = excluded.digest, updated_at = excluded.updated_at
                        """, [r, .text(name), d, .integer(now)]))
                }
                moves = aliases
            }
            let pushEvents = events(try current.map { try Digest(parsing: $0) }, moves)
            try db.enqueue(together: writes + SQLEventOutboxStore.insertions(pushEvents))
            return (current, pushEvents)
        }
        eventWrites.committed(written)
        return try previous.map { try Digest(parsing: $0) }
    }

    /// The aliases a push moves to `pushed`, chosen under their locks from
    /// the repository's tags as committed (aliases already there stay).
    private static func aliasMoves(_ db: any SQLSession, _ repository: RepositoryName, _ aliases: TagAliases, pushed: Digest) throws -> [AliasMove] {
        try db.lock(ContentLocks.aliasWrites(repository, aliases.candidates))
        var tags: [String: String] = [:]
        for row in try db.rows("SELECT name, digest FROM tags WHERE repository = ?", .text(repository.value)) {
            tags[try row.text("name")] = try row.text("digest")
        }
        let candidates = Set(aliases.candidates)
        return try aliases.choose(Array(tags.keys)).filter { candidates.contains($0) && tags[$0] != pushed.description }.map {
            AliasMove(tag: $0, previous: try tags[$0].map { try Digest(parsing: $0) })
        }
    }

    /// Rows a statement binds at most (a manifest may list thousands of descriptors).
    static let rowsPerStatement = 200

    /// Every blob (with the size the manifest claims) and child manifest
    /// must already be in the repository, checked inside the transaction
    /// that stores the manifest so no delete can slip in between: the blob
    /// rows are locked until it commits, and child manifests are held by
    /// the repository's lock. One statement per batch of descriptors.
    private static func checkReferences(_ db: any SQLSession, _ repository: RepositoryName, _ manifest: Manifest, _ flavor: SQLFlavor) throws {
        let r = SQLValue.text(repository.value)
        var sizes: [String: Int64] = [:]
        for batch in Set(manifest.requiredBlobs.map(\.digest.description)).sorted().batches(of: rowsPerStatement) {
            let rows = try db.rows(
                """
                SELECT b.digest AS digest, b.size AS size FROM repository_blobs l JOIN blobs b ON b.digest = l.digest
                WHERE l.repository = ? AND l.digest IN (\(placeholders(batch.count)))
                """ + flavor.forKeyShare(of: "b"), [r] + batch.map(SQLValue.text))
            for row in rows { sizes[try row.text("digest")] = try row.integer("size") }
        }
        var present = Set<String>()
        for batch in Set(manifest.manifests.map(\.digest.description)).sorted().batches(of: rowsPerStatement) {
            let rows = try db.rows(
                "SELECT digest FROM manifests WHERE repository = ? AND digest IN (\(placeholders(batch.count)))", [r] + batch.map(SQLValue.text))
            for row in rows { present.insert(try row.text("digest")) }
        }
        for blob in manifest.requiredBlobs {
            guard let size = sizes[blob.digest.description] else {
                throw RegistryError(
                    .manifestBlobUnknown, "blob \(blob.digest) is not in repository \(repository)",
                    detail: ["digest": blob.digest.description])
            }
            guard size == blob.size else {
                throw RegistryError(
                    .manifestInvalid, "descriptor of \(blob.digest) says \(blob.size) bytes, the blob has \(size)",
                    detail: ["digest": blob.digest.description])
            }
        }
        for child in manifest.manifests {
            guard present.contains(child.digest.description) else {
                throw RegistryError(
                    .manifestBlobUnknown, "manifest \(child.digest) is not in repository \(repository)",
                    detail: ["digest": child.digest.description])
            }
        }
    }

    public func deleteManifest(_ repository: RepositoryName, _ digest: Digest, events: [RegistryEvent]) async throws -> Bool {
        let (r, d) = (SQLValue.text(repository.value), SQLValue.text(digest.description))
        let deleted = try await backend.transaction(durable: true, isolation: .readCommitted) { db in
            try db.lock(ContentLocks.manifestRemoval(repository.value))
            guard try db.row("SELECT 1 AS found FROM manifests WHERE repository = ? AND digest = ?", r, d) != nil else {
                return false
            }
            try db.execute("DELETE FROM tags WHERE repository = ? AND digest = ?", r, d)
            try db.execute("DELETE FROM manifest_references WHERE repository = ? AND manifest = ?", r, d)
            try db.execute("DELETE FROM manifests WHERE repository = ? AND digest = ?", r, d)
            try SQLScanStore.forget(r, d, in: db)
            try Self.forgetIfEmpty(db, r)
            try SQLEventOutboxStore.insertEvents(db, events)
            return true
        }
        if deleted { eventWrites.committed(events) }
        return deleted
    }

    /// A repository whose last manifest went leaves the catalog (its blob
    /// links stay until garbage collection; a push brings the row back).
    /// Garbage collection's manifest removals end the same way. Run under
    /// `ContentLocks.manifestRemoval`, so no push is adding a manifest.
    static func forgetIfEmpty(_ db: any SQLSession, _ repository: SQLValue) throws {
        try db.execute(
            "DELETE FROM repositories WHERE name = ? AND NOT EXISTS (SELECT 1 FROM manifests WHERE repository = ?)",
            [repository, repository])
    }

    public func deleteTag(_ repository: RepositoryName, _ tag: Tag, events: [RegistryEvent]) async throws -> Bool {
        let (r, t) = (SQLValue.text(repository.value), SQLValue.text(tag.value))
        let deleted = try await backend.transaction(durable: true, isolation: .readCommitted) { db in
            try db.lock(ContentLocks.tagWrite(repository, tag))
            guard try db.row("SELECT 1 AS found FROM tags WHERE repository = ? AND name = ?", r, t) != nil else { return false }
            try db.execute("DELETE FROM tags WHERE repository = ? AND name = ?", r, t)
            try SQLEventOutboxStore.insertEvents(db, events)
            return true
        }
        if deleted { eventWrites.committed(events) }
        return deleted
    }

    public func tags(_ repository: RepositoryName, after last: String?, limit: Int) async throws -> [String] {
        try await backend.read { db in
            try db.rows(
                "SELECT name FROM tags WHERE repository = ? AND name > ? ORDER BY name LIMIT ?",
                .text(repository.value), .text(last ?? ""), .integer(Int64(limit))
            ).map { try $0.text("name") }
        }
    }

    public func tags(_ repository: RepositoryName, pointingAt digest: Digest) async throws -> [String] {
        try await backend.read { db in
            try db.rows(
                "SELECT name FROM tags WHERE repository = ? AND digest = ? ORDER BY name", .text(repository.value), .text(digest.description)
            ).map { try $0.text("name") }
        }
    }

    public func parents(_ repository: RepositoryName, of digest: Digest, limit: Int) async throws -> [Digest] {
        try await backend.read { db in
            try db.rows(
                """
                SELECT manifest FROM manifest_references WHERE repository = ? AND child = ? AND kind = 'manifest'
                ORDER BY manifest LIMIT ?
                """, .text(repository.value), .text(digest.description), .integer(Int64(limit))
            ).map { try Digest(parsing: try $0.text("manifest")) }
        }
    }

    public func referrers(
        _ repository: RepositoryName, subject: Digest, artifactType: String?, after last: String?, limit: Int
    ) async throws -> [Descriptor] {
        let rows = try await backend.read { db in
            var sql = """
                SELECT digest, media_type, size, artifact_type, annotations FROM manifests
                WHERE repository = ? AND subject = ? AND digest > ?
                """
            var arguments: [SQLValue] = [.text(repository.value), .text(subject.description), .text(last ?? "")]
            if let artifactType {
                sql += " AND artifact_type = ?"
                arguments.append(.text(artifactType))
            }
            return try db.rows(sql + " ORDER BY digest LIMIT ?", arguments + [.integer(Int64(limit))])
        }
        return try rows.map { row in
            let annotations = try row.optionalText("annotations").flatMap {
                try? JSONDecoder().decode([String: String].self, from: Data($0.utf8))
            }
            return Descriptor(
                mediaType: try row.text("media_type"),
                digest: try Digest(parsing: row.text("digest")),
                size: try row.integer("size"),
                artifactType: try row.optionalText("artifact_type"),
                annotations: annotations)
        }
    }

    // MARK: Uploads

    public func createUpload(id: String, repository: RepositoryName, at date: Date, digest: Digest?) async throws {
        // A lost session costs the client a restart of its upload: not worth an fsync.
        try await backend.transaction(durable: false, isolation: .readCommitted) { db in
            try db.enqueue(
                "INSERT INTO uploads (id, repository, created_at, digest) VALUES (?, ?, ?, ?)",
                .text(id), .text(repository.value), .time(date), .text(digest?.description))
        }
    }

    public func announceCommit(upload id: String, digest: Digest) async throws {
        try await backend.transaction(durable: false, isolation: .readCommitted) { db in
            try db.enqueue("UPDATE uploads SET digest = ? WHERE id = ?", .text(digest.description), .text(id))
        }
    }

    public func upload(id: String) async throws -> UploadRecord? {
        try await backend.read { db in
            try db.row("SELECT id, repository, created_at FROM uploads WHERE id = ?", .text(id))
        }.map(Self.uploadRecord)
    }

    public func deleteUpload(id: String) async throws {
        try await backend.transaction(durable: false, isolation: .readCommitted) { db in
            try db.enqueue("DELETE FROM uploads WHERE id = ?", .text(id))
        }
    }

    public func uploads(startedBefore date: Date) async throws -> [UploadRecord] {
        try await backend.read { db in
            try db.rows("SELECT id, repository, created_at FROM uploads WHERE created_at < ?", .time(date))
        }.map(Self.uploadRecord)
    }

    private static func uploadRecord(_ row: SQLRow) throws -> UploadRecord {
        UploadRecord(
            id: try row.text("id"),
            repository: try row.text("repository"),
            startedAt: try row.time("created_at"))
    }
}

/// `count` placeholders for an IN list.
func placeholders(_ count: Int) -> String {
    Array(repeating: "?", count: count).joined(separator: ", ")
}

extension Array {
    /// Consecutive slices of at most `size` elements.
    func batches(of size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
