import BerthMetadata
import BerthRegistry
import BerthStorage
import Foundation
import Logging
import NIOCore
import OCI

/// Repositories and what they hold, for whoever may see their project:
/// the web UI's project, repository, artifact and search pages. A project
/// the requester may not see answers as a missing one.
public struct RepositoryService: Sendable {
    let content: any MetadataStore
    /// Config blobs, and deletions with the push policies' say and their events.
    let registry: any RegistryContent
    let permissions: ManagementPermissions

    /// The largest image config read for a page.
    static let largestConfig: Int64 = 1 << 20

    /// The most a page holds.
    public static let largestPage = 1_000

    /// Search results: repositories, then tags, each capped.
    public struct Found: Sendable {
        public let repositories: [String]
        public let tags: [TagMatch]
    }

    /// A manifest and what points at it.
    public struct Manifest: Sendable {
        public let stored: StoredManifest
        public let tags: [String]
        public let referrers: [Descriptor]
    }

    public func repositories(inProject project: String, after last: String?, limit: Int, by requester: Requester) async throws
        -> [RepositorySummary]
    {
        _ = try await permissions.visibleProject(project, requester)
        return try await content.repositories(inProject: project, after: last, limit: min(max(1, limit), Self.largestPage))
    }

    public func contents(ofProject project: String, by requester: Requester) async throws -> ProjectContents {
        _ = try await permissions.visibleProject(project, requester)
        return try await content.contents(ofProject: project)
    }

    /// A repository of a visible project that exists; 404 otherwise.
    public func repository(_ name: String, by requester: Requester) async throws -> RepositoryName {
        guard let repository = try? RepositoryName(parsing: name) else { throw RegistryError.repositoryUnknown(name) }
        _ = try await permissions.visibleProject(repository.project, requester)
        guard try await content.repositoryExists(repository) else { throw RegistryError.repositoryUnknown(name) }
        return repository
    }

    /// A manifest of a visible repository, its tags and its referrers (at most 100).
    public func manifest(_ digest: Digest, in name: String, by requester: Requester) async throws -> Manifest {
        let repository = try await repository(name, by: requester)
        guard let stored = try await content.manifest(repository, .digest(digest)) else { throw RegistryError.artifactUnknown(digest.description) }
        return Manifest(
            stored: stored, tags: try await content.tags(repository, pointingAt: digest),
            referrers: try await content.referrers(repository, subject: digest, artifactType: nil, after: nil, limit: 100))
    }

    /// An image's config, as its page shows it; nil for an index, a config
    /// larger than 1 MiB, or one that is not JSON.
    public func config(of stored: StoredManifest, in name: String, by requester: Requester) async throws -> ImageConfig? {
        let repository = try await repository(name, by: requester)
        guard let manifest = try? OCI.Manifest(parsing: [UInt8](stored.content), contentType: stored.mediaType),
              let config = manifest.config, config.size <= Self.largestConfig
        else { return nil }
        let blob = try await registry.readableBlob(repository, config.digest)
        var bytes: [UInt8] = []
        for try await var chunk in try await registry.read(blob, range: nil) {
            guard bytes.count + chunk.readableBytes <= Self.largestConfig else { return nil }
            bytes += chunk.readBytes(length: chunk.readableBytes) ?? []
        }
        return ImageConfig(json: bytes)
    }

    /// Deletes a tag (Maintainers and up); the artifact stays.
    public func deleteTag(_ tag: String, in name: String, by requester: Requester) async throws {
        let repository = try await repository(name, by: requester)
        let identity = try await permissions.check(.projectRole(.maintainer, in: repository.project), requester)
        let parsed = try Tag(parsing: tag)
        try await registry.deleteManifest(
            repository, .tag(parsed), recording: [ContentService.deletionEvent(of: .tag(parsed), in: repository, by: requester.actor)])
        requester.logger.notice("tag deleted", metadata: ["repository": "\(repository)", "tag": "\(tag)", "by": "\(identity)"])
    }

    /// Deletes an artifact and its tags (Maintainers and up); the push policies may refuse (an immutable tag).
    public func deleteArtifact(_ digest: Digest, in name: String, by requester: Requester) async throws {
        let repository = try await repository(name, by: requester)
        let identity = try await permissions.check(.projectRole(.maintainer, in: repository.project), requester)
        try await registry.deleteManifest(
            repository, .digest(digest), recording: [ContentService.deletionEvent(of: .digest(digest), in: repository, by: requester.actor)])
        requester.logger.notice("artifact deleted", metadata: ["repository": "\(repository)", "digest": "\(digest)", "by": "\(identity)"])
    }

    /// Repositories and tags whose names contain `text`, in projects the
    /// requester may see: at most `limit` of each. Matches are read a few
    /// times over the limit, so that those of hidden projects cannot crowd
    /// out the visible ones in all but extreme cases.
    public func search(_ text: String, limit: Int, by requester: Requester) async throws -> Found {
        let identity = try await permissions.check(.signedIn, requester)
        let text = String(text.prefix(128))
        guard !text.isEmpty else { return Found(repositories: [], tags: []) }
        var visible: [String: Bool] = [:]
        func canSee(_ repository: String) async throws -> Bool {
            let project = repository.split(separator: "/", maxSplits: 1).first.map(String.init) ?? repository
            if let known = visible[project] { return known }
            let seen = try await permissions.accounts.project(named: project).asyncMap { try await permissions.canSee($0, identity) } ?? false
            visible[project] = seen
            return seen
        }
        var repositories: [String] = []
        for name in try await content.repositories(containing: text.lowercased(), limit: limit * 5) where repositories.count < limit {
            if try await canSee(name) { repositories.append(name) }
        }
        var tags: [TagMatch] = []
        for match in try await content.tags(containing: text, limit: limit * 5) where tags.count < limit {
            if try await canSee(match.repository) { tags.append(match) }
        }
        return Found(repositories: repositories, tags: tags)
    }
}

extension Optional {
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
