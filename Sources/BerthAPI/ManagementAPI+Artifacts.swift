import BerthManagement
import BerthMetadata
import BerthRegistry
import Foundation
import Hummingbird
import OCI

/// A repository's artifacts, newest first, with their tags and scan overview.
extension ManagementAPI {
    private struct ArtifactBody: Encodable {
        let digest: String
        let media_type: String
        let artifact_type: String?
        let size: Int64
        let pushed_at: Date
        let pulled_at: Date?
        let tags: [String]
        let scan: ScanBody

        init(_ listed: ArtifactService.Listed) {
            let a = listed.artifact
            (digest, media_type, artifact_type, size, pushed_at, pulled_at, tags) =
                (a.digest.description, a.mediaType, a.artifactType, a.size, a.pushedAt, a.pulledAt, a.tags)
            scan = ScanBody(listed.scan)
        }
    }

    private struct ScanBody: Encodable {
        /// `none` when never scanned.
        let status: String
        let scanned_at: Date?
        /// Every severity, zero when none was found; absent before a scan completed.
        let summary: [String: Int]?

        init(_ overview: SQLScanStore.Overview?) {
            status = overview?.status.rawValue ?? "none"
            scanned_at = overview?.scannedAt
            summary = overview?.counts.map(ScanDocument.summary(counts:))
        }
    }

    private struct ArtifactPage: Encodable {
        let artifacts: [ArtifactBody]
        /// The next (older) page, when there may be one.
        let next: String?
    }

    func addArtifactRoutes(to api: ManagementRoutes) {
        let artifacts = services.artifacts
        let path = "/projects/{name}/repositories/{repository}/artifacts"
        // `?limit=` (1 to 1000, 100 when absent) and `?after=` (the cursor a previous page's `next` carries).
        api.on(path, .get, requires: .projectRole(.guest, parameter: "name")) { request, context in
            let parameters = request.uri.queryParameters
            let limit = try Self.pageLimit(parameters["limit"], largest: ArtifactService.largestPage, fallback: 100)
            let after = try parameters["after"].map { value in
                guard let cursor = ArtifactCursor(parsing: String(value)) else {
                    throw RegistryError(.unsupported, "after must be the cursor of a previous page's next", status: 400)
                }
                return cursor
            }
            let listed = try await artifacts.artifacts(
                in: try Self.repository(context), tagged: request.uri.queryParameters["tag"].map(String.init), after: after, limit: limit, by: context.requester)
            let next = listed.count == limit ? listed.last.map { last in
                request.uri.path + "?limit=\(limit)&after=\(ArtifactCursor(last.artifact).description)"
            } : nil
            return try Self.json(ArtifactPage(artifacts: listed.map(ArtifactBody.init), next: next))
        }
    }
}
