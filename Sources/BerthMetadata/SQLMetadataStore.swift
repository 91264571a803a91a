import Foundation
import OCI
import SQLKit

/// `MetadataStore` over any `SQLBackend`: one implementation of the queries
/// for SQLite and PostgreSQL alike.
public final class SQLMetadataStore: MetadataStore {
    private let backend: any SQLBackend

    /// Opens the store, migrating the schema to the newest version first.
    public init(backend: any SQLBackend) async throws {
        self.backend = backend
        try await Schema.migrate(backend)
    }

    public func close() async throws {
        try await backend.close()
    }

    private static func millis(_ date: Date = Date()) -> Int64 { Int64(date.timeIntervalSince1970 * 1000) }

    // MARK: Repositories

    public func repositories(after last: String?, limit: Int) async throws -> [String] {
        try await lines("""
            SELECT \(unsafeRaw: backend.flavor.lines("name")) AS lines FROM (
                SELECT name FROM repositories WHERE name > \(bind: last ?? "") ORDER BY name LIMIT \(bind: limit)) page
            """)
    }

    /// Runs a query returning one `lines` column and splits it. Names and
    /// tags cannot contain newlines (their grammars forbid them).
    private func lines(_ query: SQLQueryString) async throws -> [String] {
        let joined = try await backend.read { db in
            try await db.raw(query).first(decodingColumn: "lines", as: String?.self)
        }
        return joined.flatMap { $0 }.map { $0.split(separator: "\n").map(String.init) } ?? []
    }

    public func repositoryExists(_ repository: RepositoryName) async throws -> Bool {
        try await backend.read { db in
            try await db.raw("SELECT 1 AS found FROM repositories WHERE name = \(bind: repository.value)").first() != nil
        }
    }

    private static func ensureRepository(_ db: any SQLDatabase, _ repository: RepositoryName, now: Int64) async throws {
        try await db.raw(
            "INSERT INTO repositories (name, created_at) VALUES (\(bind: repository.value), \(bind: now)) ON CONFLICT DO NOTHING"
        ).run()
    }

    // MARK: Blobs

    public func linkedBlobSize(_ repository: RepositoryName, _ digest: Digest) async throws -> Int64? {
        try await backend.read { db in
            try await Self.linkedBlobSize(db, repository, digest)
        }
    }

    private static func linkedBlobSize(_ db: any SQLDatabase, _ repository: RepositoryName, _ digest: Digest) async throws -> Int64? {
        try await db.raw("""
            SELECT b.size AS size FROM repository_blobs l JOIN blobs b ON b.digest = l.digest
            WHERE l.repository = \(bind: repository.value) AND l.digest = \(bind: digest.description)
            """).first(decodingColumn: "size", as: Int64.self)
    }

    public func linkBlob(_ repository: RepositoryName, _ digest: Digest, size: Int64, completing upload: String?) async throws {
        let now = Self.millis()
        try await backend.transaction(durable: true) { db in
            if let upload {
                try await db.raw("DELETE FROM uploads WHERE id = \(bind: upload)").run()
            }
            try await Self.ensureRepository(db, repository, now: now)
            try await db.raw("""
                INSERT INTO blobs (digest, size, created_at) VALUES (\(bind: digest.description), \(bind: size), \(bind: now))
                ON CONFLICT DO NOTHING
                """).run()
            try await db.raw("""
                INSERT INTO repository_blobs (repository, digest, created_at)
                VALUES (\(bind: repository.value), \(bind: digest.description), \(bind: now)) ON CONFLICT DO NOTHING
                """).run()
        }
    }

    public func unlinkBlob(_ repository: RepositoryName, _ digest: Digest) async throws -> Bool {
        try await backend.transaction(durable: true) { db in
            guard try await Self.linkedBlobSize(db, repository, digest) != nil else { return false }
            try await db.raw("""
                DELETE FROM repository_blobs WHERE repository = \(bind: repository.value) AND digest = \(bind: digest.description)
                """).run()
            return true
        }
    }

    // MARK: Manifests

    public func manifest(_ repository: RepositoryName, _ reference: Reference) async throws -> StoredManifest? {
        let row = try await backend.read { db in
            switch reference {
            case .digest(let digest):
                try await db.raw("""
                    SELECT digest, media_type, content FROM manifests
                    WHERE repository = \(bind: repository.value) AND digest = \(bind: digest.description)
                    """).first()
            case .tag(let tag):
                try await db.raw("""
                    SELECT m.digest AS digest, m.media_type AS media_type, m.content AS content
                    FROM tags t JOIN manifests m ON m.repository = t.repository AND m.digest = t.digest
                    WHERE t.repository = \(bind: repository.value) AND t.name = \(bind: tag.value)
                    """).first()
            }
        }
        guard let row else { return nil }
        return StoredManifest(
            digest: try Digest(parsing: row.decode(column: "digest", as: String.self)),
            mediaType: try row.decode(column: "media_type", as: String.self),
            content: try row.decode(column: "content", as: Data.self))
    }

    public func putManifest(_ repository: RepositoryName, _ manifest: Manifest, tag: Tag?) async throws {
        let now = Self.millis()
        let annotations = try manifest.annotations.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        try await backend.transaction(durable: true) { db in
            try await Self.checkReferences(db, repository, manifest)
            try await Self.ensureRepository(db, repository, now: now)
            try await db.raw("""
                INSERT INTO manifests (repository, digest, media_type, size, content, artifact_type, subject, annotations, created_at)
                VALUES (\(bind: repository.value), \(bind: manifest.digest.description), \(bind: manifest.mediaType),
                    \(bind: manifest.bytes.count), \(bind: Data(manifest.bytes)), \(bind: manifest.artifactType),
                    \(bind: manifest.subject?.digest.description), \(bind: annotations), \(bind: now))
                ON CONFLICT DO NOTHING
                """).run()
            let references = manifest.requiredBlobs.map { ($0.digest, "blob") } + manifest.manifests.map { ($0.digest, "manifest") }
            if !references.isEmpty {
                let rows = references.map { child, kind in
                    SQLQueryString("(\(bind: repository.value), \(bind: manifest.digest.description), \(bind: child.description), \(bind: kind))")
                }
                try await db.raw("""
                    INSERT INTO manifest_references (repository, manifest, child, kind)
                    VALUES \(rows.joined(separator: ", ")) ON CONFLICT DO NOTHING
                    """).run()
            }
            if let tag {
                try await db.raw("""
                    INSERT INTO tags (repository, name, digest, updated_at)
                    VALUES (\(bind: repository.value), \(bind: tag.value), \(bind: manifest.digest.description), \(bind: now))
                    ON CONFLICT (repository, name) DO UPDATE SET digest = excluded.digest, updated_at = excluded.updated_at
                    """).run()
            }
        }
    }

    /// Every blob (with the size the manifest claims) and child manifest
    /// must already be in the repository, checked inside the transaction
    /// that stores the manifest so no delete can slip in between.
    private static func checkReferences(_ db: any SQLDatabase, _ repository: RepositoryName, _ manifest: Manifest) async throws {
        let blobs = manifest.requiredBlobs
        if !blobs.isEmpty {
            let found = try await db.raw("""
                SELECT l.digest AS digest, b.size AS size FROM repository_blobs l JOIN blobs b ON b.digest = l.digest
                WHERE l.repository = \(bind: repository.value) AND l.digest IN (\(Self.list(blobs.map(\.digest))))
                """).all()
            let sizes = try Dictionary(
                found.map { (try $0.decode(column: "digest", as: String.self), try $0.decode(column: "size", as: Int64.self)) },
                uniquingKeysWith: { first, _ in first })
            for blob in blobs {
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
        }
        let children = manifest.manifests
        if !children.isEmpty {
            let found = Set(try await db.raw("""
                SELECT digest FROM manifests
                WHERE repository = \(bind: repository.value) AND digest IN (\(Self.list(children.map(\.digest))))
                """).all().map { try $0.decode(column: "digest", as: String.self) })
            if let missing = children.first(where: { !found.contains($0.digest.description) }) {
                throw RegistryError(
                    .manifestBlobUnknown, "manifest \(missing.digest) is not in repository \(repository)",
                    detail: ["digest": missing.digest.description])
            }
        }
    }

    /// `?, ?, …` binding each digest.
    private static func list(_ digests: [Digest]) -> SQLQueryString {
        digests.map { SQLQueryString("\(bind: $0.description)") }.joined(separator: ", ")
    }

    public func deleteManifest(_ repository: RepositoryName, _ digest: Digest) async throws -> Bool {
        try await backend.transaction(durable: true) { db in
            let (r, d) = (repository.value, digest.description)
            let found = try await db.raw("SELECT size FROM manifests WHERE repository = \(bind: r) AND digest = \(bind: d)")
                .first(decodingColumn: "size", as: Int64.self)
            guard found != nil else { return false }
            try await db.raw("DELETE FROM tags WHERE repository = \(bind: r) AND digest = \(bind: d)").run()
            try await db.raw("DELETE FROM manifest_references WHERE repository = \(bind: r) AND manifest = \(bind: d)").run()
            try await db.raw("DELETE FROM manifests WHERE repository = \(bind: r) AND digest = \(bind: d)").run()
            return true
        }
    }

    public func deleteTag(_ repository: RepositoryName, _ tag: Tag) async throws -> Bool {
        try await backend.transaction(durable: true) { db in
            let found = try await db.raw(
                "SELECT digest FROM tags WHERE repository = \(bind: repository.value) AND name = \(bind: tag.value)"
            ).first()
            guard found != nil else { return false }
            try await db.raw("DELETE FROM tags WHERE repository = \(bind: repository.value) AND name = \(bind: tag.value)").run()
            return true
        }
    }

    public func tags(_ repository: RepositoryName, after last: String?, limit: Int) async throws -> [String] {
        try await lines("""
            SELECT \(unsafeRaw: backend.flavor.lines("name")) AS lines FROM (
                SELECT name FROM tags WHERE repository = \(bind: repository.value) AND name > \(bind: last ?? "")
                ORDER BY name LIMIT \(bind: limit)) page
            """)
    }

    public func referrers(_ repository: RepositoryName, subject: Digest, artifactType: String?) async throws -> [Descriptor] {
        let rows = try await backend.read { db in
            let filter: SQLQueryString = artifactType.map { "AND artifact_type = \(bind: $0)" } ?? ""
            return try await db.raw("""
                SELECT digest, media_type, size, artifact_type, annotations FROM manifests
                WHERE repository = \(bind: repository.value) AND subject = \(bind: subject.description) \(filter)
                ORDER BY digest
                """).all()
        }
        return try rows.map { row in
            let annotations = try row.decode(column: "annotations", as: String?.self).flatMap {
                try? JSONDecoder().decode([String: String].self, from: Data($0.utf8))
            }
            return Descriptor(
                mediaType: try row.decode(column: "media_type", as: String.self),
                digest: try Digest(parsing: row.decode(column: "digest", as: String.self)),
                size: try row.decode(column: "size", as: Int64.self),
                artifactType: try row.decode(column: "artifact_type", as: String?.self),
                annotations: annotations)
        }
    }

    // MARK: Uploads

    public func createUpload(id: String, repository: RepositoryName, at date: Date) async throws {
        // A lost session costs the client a restart of its upload: not worth an fsync.
        try await backend.transaction(durable: false) { db in
            try await db.raw("""
                INSERT INTO uploads (id, repository, created_at) VALUES (\(bind: id), \(bind: repository.value), \(bind: Self.millis(date)))
                """).run()
        }
    }

    public func upload(id: String) async throws -> UploadRecord? {
        try await backend.read { db in
            try await db.raw("SELECT id, repository, created_at FROM uploads WHERE id = \(bind: id)").first()
        }.map(Self.uploadRecord)
    }

    public func deleteUpload(id: String) async throws {
        try await backend.transaction(durable: false) { db in
            try await db.raw("DELETE FROM uploads WHERE id = \(bind: id)").run()
        }
    }

    public func uploads(startedBefore date: Date) async throws -> [UploadRecord] {
        try await backend.read { db in
            try await db.raw("SELECT id, repository, created_at FROM uploads WHERE created_at < \(bind: Self.millis(date))").all()
        }.map(Self.uploadRecord)
    }

    private static func uploadRecord(_ row: any SQLRow) throws -> UploadRecord {
        UploadRecord(
            id: try row.decode(column: "id", as: String.self),
            repository: try row.decode(column: "repository", as: String.self),
            startedAt: Date(timeIntervalSince1970: Double(try row.decode(column: "created_at", as: Int64.self)) / 1000))
    }
}
