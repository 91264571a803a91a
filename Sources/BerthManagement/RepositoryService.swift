import BerthMetadata
import Foundation
import OCI

/// Repositories and what they hold, for whoever may see their project:
/// the web UI's project, repository, artifact and search pages. A project
/// the requester may not see answers as a missing one.
public struct RepositoryService: Sendable {
    let content: any MetadataStore
    let permissions: ManagementPermissions

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
