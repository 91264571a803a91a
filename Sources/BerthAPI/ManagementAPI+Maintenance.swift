import BerthAuth
import BerthMetadata
import BerthRegistry
import Foundation
import Hummingbird
import Logging
import OCI

/// Garbage collection on demand and its past runs, for system administrators.
extension ManagementAPI {
    private struct CollectRequest: Decodable {
        let dryRun: Bool?
        let deleteUntagged: Bool?
        let graceSeconds: Double?

        enum CodingKeys: String, CodingKey {
            case dryRun = "dry_run", deleteUntagged = "delete_untagged", graceSeconds = "grace_seconds"
        }
    }

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

    static let maxGraceSeconds: Double = 10 * 365 * 86400

    func addMaintenanceRoutes(to api: ManagementRoutes) {
        api.on("/gc", .post, requires: .admin) { request, context in
            let body = try await Self.decodeIfPresent(CollectRequest.self, request)
            var options = defaultCollection
            options.dryRun = body?.dryRun ?? false
            options.deleteUntagged = body?.deleteUntagged ?? options.deleteUntagged
            if let grace = body?.graceSeconds {
                // Ten years is longer than any registry keeps an upload; past it a time overflows.
                guard grace.isFinite, (0...Self.maxGraceSeconds).contains(grace) else {
                    throw RegistryError(.unsupported, "grace_seconds must be 0 to \(Int(Self.maxGraceSeconds))", status: 400)
                }
                options.grace = grace
            }
            context.logger.notice("garbage collection requested", metadata: ["by": "\(context.identity)", "dry_run": "\(options.dryRun)"])
            return try Self.json(try await maintenance.collectGarbage(options))
        }
        api.on("/gc/runs", .get, requires: .admin) { _, _ in
            try Self.json(try await maintenance.recentRuns(kind: "gc").map(RunBody.init))
        }
    }
}

/// Any JSON value: a stored report embedded as it was written.
enum JSONValue: Codable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(text: String) {
        self = (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))) ?? .string(text)
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            if value == value.rounded(), abs(value) < 1e15 { try container.encode(Int64(value)) } else { try container.encode(value) }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}
