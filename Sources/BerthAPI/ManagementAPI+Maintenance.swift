import BerthManagement
import BerthMetadata
import BerthRegistry
import Foundation
import Hummingbird

/// Garbage collection on demand and its past runs.
extension ManagementAPI {
    private struct CollectRequest: Decodable {
        let dryRun: Bool?
        let deleteUntagged: Bool?
        let graceSeconds: Double?

        enum CodingKeys: String, CodingKey {
            case dryRun = "dry_run", deleteUntagged = "delete_untagged", graceSeconds = "grace_seconds"
        }
    }

    /// A job's run, with its report as it was stored.
    struct RunBody: Encodable {
        let id: String
        let project: String?
        let dryRun: Bool
        let startedAt: Date
        let finishedAt: Date
        let status: String
        let result: JSONValue

        enum CodingKeys: String, CodingKey {
            case id, project, status, result
            case dryRun = "dry_run", startedAt = "started_at", finishedAt = "finished_at"
        }

        init(_ run: JobRun) {
            (id, project, dryRun, startedAt, finishedAt, status) =
                (run.id, run.project.isEmpty ? nil : run.project, run.dryRun, run.startedAt, run.finishedAt, run.status)
            result = JSONValue(text: run.result)
        }
    }

    func addMaintenanceRoutes(to api: ManagementRoutes) {
        let maintenance = services.maintenance
        api.on("/gc", .post, requires: .admin) { request, context in
            let body = try await Self.decodeIfPresent(CollectRequest.self, request)
            let collection = MaintenanceService.CollectionRequest(
                dryRun: body?.dryRun, deleteUntagged: body?.deleteUntagged, graceSeconds: body?.graceSeconds)
            return try Self.json(try await maintenance.collectGarbage(collection, by: context.requester))
        }
        api.on("/gc/runs", .get, requires: .admin) { _, context in
            try Self.json(try await maintenance.collectionRuns(by: context.requester).map(RunBody.init))
        }
    }
}
