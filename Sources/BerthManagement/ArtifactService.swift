import BerthMetadata
import Foundation
import OCI

/// A repository's artifacts, newest first, each with its tags and its last
/// scan (status and findings per severity), for whoever may see the project
/// (`/api/v1` asks for the guest role first).
public struct ArtifactService: Sendable {
    let content: any MetadataStore
    let scans: SQLScanStore
    let permissions: ManagementPermissions

    public struct Listed: Sendable {
        public let artifact: ArtifactSummary
        /// Nil: never scanned.
        public let scan: SQLScanStore.Overview?
    }

    /// The most a page holds.
    public static let largestPage = 1_000

    /// With `tagged`, only artifacts with a tag containing it (at most 128 characters are used).
    public func artifacts(
        in repository: String, tagged: String? = nil, after cursor: ArtifactCursor?, limit: Int, by requester: Requester
    ) async throws -> [Listed] {
        guard let name = try? RepositoryName(parsing: repository) else {
            throw RegistryError(.nameInvalid, "repository must be a repository name such as team/app", status: 400)
        }
        _ = try await permissions.visibleProject(name.project, requester)
        let tagged = tagged.map { String($0.prefix(128)) }.flatMap { $0.isEmpty ? nil : $0 }
        let artifacts = try await content.artifacts(name, tagged: tagged, after: cursor, limit: min(max(1, limit), Self.largestPage))
        let scanned = try await scans.overviews(name.value, artifacts.map(\.digest.description))
        return artifacts.map { Listed(artifact: $0, scan: scanned[$0.digest.description]) }
    }

    /// A repository's tags by name, each with its artifact and last scan.
    public func taggedArtifacts(in repository: RepositoryName, after last: String?, limit: Int, by requester: Requester) async throws
        -> [(tag: String, listed: Listed)]
    {
        _ = try await permissions.visibleProject(repository.project, requester)
        let tagged = try await content.taggedArtifacts(repository, after: last, limit: min(max(1, limit), Self.largestPage))
        let scanned = try await scans.overviews(repository.value, tagged.map(\.artifact.digest.description))
        return tagged.map { (tag: $0.tag, listed: Listed(artifact: $0.artifact, scan: scanned[$0.artifact.digest.description])) }
    }

    /// The last scan of one artifact; nil: never scanned.
    public func overview(of digest: Digest, in repository: RepositoryName, by requester: Requester) async throws -> SQLScanStore.Overview? {
        _ = try await permissions.visibleProject(repository.project, requester)
        return try await scans.overviews(repository.value, [digest.description])[digest.description]
    }
}
