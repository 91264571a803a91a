import Foundation
import OCI

/// A repository's artifact as listings show it: a manifest with no subject
/// that no index of the repository lists (signatures, SBOMs and an index's
/// images are reached through their subject or their index).
public struct ArtifactSummary: Sendable, Equatable {
    public let digest: Digest
    public let mediaType: String
    public let artifactType: String?
    /// The manifest's own size (its layers are not counted).
    public let size: Int64
    /// An image's size as pulled: manifest, config and layers; nil for an index.
    public let imageSize: Int64?
    /// An index's platforms (`linux/arm64/v8`), in its order; empty for an image.
    public let platforms: [String]
    public let pushedAt: Date
    public let pulledAt: Date?
    public let tags: [String]
    /// Manifests whose subject it is (signatures, SBOMs, attestations), and how many of them are signatures.
    public var referrers = 0
    public var signatures = 0

    /// The artifact types of cosign's, Notation's and Sigstore bundles' signatures.
    static let signatureTypes: Set<String> = [
        "application/vnd.dev.cosign.artifact.sig.v1+json", "application/vnd.cncf.notary.signature",
        "application/vnd.dev.sigstore.bundle.v0.3+json", "application/vnd.dev.sigstore.bundle+json;version=0.3",
        "application/vnd.dev.sigstore.bundle+json;version=0.2", "application/vnd.dev.sigstore.bundle+json;version=0.1",
    ]
}

/// Where a listing of artifacts (newest first) goes on: below this one.
public struct ArtifactCursor: Sendable, Equatable, CustomStringConvertible {
    public let pushedAt: Int64
    public let digest: Digest

    public init(_ artifact: ArtifactSummary) { (pushedAt, digest) = (artifact.pushedAt.millisSince1970, artifact.digest) }

    /// `1733300000000:sha256:…`, as `description` writes it; nil for anything else.
    public init?(parsing text: String) {
        guard let colon = text.firstIndex(of: ":"), let millis = Int64(text[..<colon]), millis >= 0,
              let digest = try? Digest(parsing: String(text[text.index(after: colon)...]))
        else { return nil }
        (pushedAt, self.digest) = (millis, digest)
    }

    public var description: String { "\(pushedAt):\(digest)" }
}

extension SQLContentStore {
    /// The repository's artifacts, newest first, after `cursor`, at most `limit`, with their tags;
    /// with `tagged`, only those with a tag containing it.
    public func artifacts(_ repository: RepositoryName, tagged: String?, after cursor: ArtifactCursor?, limit: Int) async throws -> [ArtifactSummary] {
        let r = SQLValue.text(repository.value)
        return try await backend.read { db in
            var page = "m.repository = ?"
            var arguments = [r]
            if let tagged {
                page += " AND EXISTS (SELECT 1 FROM tags t WHERE t.repository = m.repository AND t.digest = m.digest AND t.name LIKE ? ESCAPE '\\')"
                arguments.append(.text(Self.likePattern(containing: tagged)))
            }
            if let cursor {
                page += " AND (m.created_at < ? OR (m.created_at = ? AND m.digest < ?))"
                arguments += [.integer(cursor.pushedAt), .integer(cursor.pushedAt), .text(cursor.digest.description)]
            }
            let rows = try db.rows(
                """
                SELECT digest, media_type, artifact_type, size, created_at, pulled_at, content FROM manifests m
                WHERE \(page) AND m.subject IS NULL AND NOT EXISTS (
                    SELECT 1 FROM manifest_references c WHERE c.repository = m.repository AND c.child = m.digest AND c.kind = 'manifest')
                ORDER BY m.created_at DESC, m.digest DESC LIMIT ?
                """, arguments + [.integer(Int64(max(0, limit)))])
            return try Self.summaries(of: rows, in: r, db)
        }
    }

    /// A repository's tags by name, after `last`, at most `limit`, each with its artifact.
    public func taggedArtifacts(_ repository: RepositoryName, after last: String?, limit: Int) async throws -> [(tag: String, artifact: ArtifactSummary)] {
        let r = SQLValue.text(repository.value)
        return try await backend.read { db in
            let tags = try db.rows(
                "SELECT name, digest FROM tags WHERE repository = ? AND name > ? ORDER BY name LIMIT ?",
                r, .text(last ?? ""), .integer(Int64(max(0, limit))))
            var rows: [SQLRow] = []
            for batch in Set(try tags.map { try $0.text("digest") }).sorted().batches(of: Self.rowsPerStatement) {
                rows += try db.rows(
                    """
                    SELECT digest, media_type, artifact_type, size, created_at, pulled_at, content FROM manifests
                    WHERE repository = ? AND digest IN (\(Array(repeating: "?", count: batch.count).joined(separator: ", ")))
                    """, [r] + batch.map { .text($0) })
            }
            let summaries = Dictionary(try Self.summaries(of: rows, in: r, db).map { ($0.digest.description, $0) }) { a, _ in a }
            return try tags.compactMap { row in
                try summaries[try row.text("digest")].map { (tag: try row.text("name"), artifact: $0) }
            }
        }
    }

    /// Manifest rows as listings show them: with their tags, referrers, image size and platforms.
    private static func summaries(of rows: [SQLRow], in r: SQLValue, _ db: any SQLSession) throws -> [ArtifactSummary] {
        var tags: [String: [String]] = [:]
        var referrers: [String: (all: Int, signatures: Int)] = [:]
        for batch in rows.batches(of: Self.rowsPerStatement) {
            let digests = try batch.map { SQLValue.text(try $0.text("digest")) }
            let list = Array(repeating: "?", count: digests.count).joined(separator: ", ")
            for row in try db.rows("SELECT digest, name FROM tags WHERE repository = ? AND digest IN (\(list))", [r] + digests) {
                tags[try row.text("digest"), default: []].append(try row.text("name"))
            }
            for row in try db.rows(
                """
                SELECT subject, artifact_type, COUNT(*) AS n FROM manifests
                WHERE repository = ? AND subject IN (\(list)) GROUP BY subject, artifact_type
                """, [r] + digests)
            {
                let (subject, n) = (try row.text("subject"), Int(try row.integer("n")))
                let signature = try row.optionalText("artifact_type").map(ArtifactSummary.signatureTypes.contains) ?? false
                referrers[subject, default: (0, 0)].all += n
                if signature { referrers[subject, default: (0, 0)].signatures += n }
            }
        }
        // Sorted here: an ORDER BY would lead the planner to walk every tag of the repository by name.
        for digest in tags.keys { tags[digest]?.sort() }
        return try rows.map { row in
            let digest = try row.text("digest")
            let mediaType = try row.text("media_type")
            let size = try row.integer("size")
            // Stored manifests parsed when they were pushed; one that no longer does is listed without these.
            let manifest = try? Manifest(parsing: try row.bytes("content"), contentType: mediaType)
            let imageSize = manifest.flatMap { m in
                m.kind == .image ? ([m.config].compactMap { $0 } + m.layers).reduce(size) { $0 + max(0, $1.size) } : nil
            }
            let platforms = (manifest?.manifests ?? []).compactMap { child in
                child.platform.map { [$0.os, $0.architecture, $0.variant].compactMap { $0 }.joined(separator: "/") }
            }
            var summary = ArtifactSummary(
                digest: try Digest(parsing: digest), mediaType: mediaType, artifactType: try row.optionalText("artifact_type"),
                size: size, imageSize: imageSize, platforms: platforms, pushedAt: try row.time("created_at"),
                pulledAt: try row.optionalInteger("pulled_at").map { Date(millisSince1970: $0) }, tags: tags[digest] ?? [])
            (summary.referrers, summary.signatures) = referrers[digest] ?? (0, 0)
            return summary
        }
    }
}
