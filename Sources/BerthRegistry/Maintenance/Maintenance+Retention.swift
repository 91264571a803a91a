import BerthMetadata
import BerthPolicies
import Foundation
import OCI

/// Applying a project's retention policy, now or as a dry run.
extension Maintenance {
    public struct RetentionReport: Sendable, Codable, Equatable {
        public struct Artifact: Sendable, Codable, Equatable {
            public let repository: String
            public let digest: String
            public let tags: [String]
            /// `deleted`, `would_delete`, or `kept_immutable` (an immutable tag protects it).
            public let outcome: String
        }

        public var dryRun: Bool
        public var examined = 0
        public var deleted = 0
        public var protected = 0
        /// The first 1,000 artifacts the run deleted or would delete.
        public var artifacts: [Artifact] = []

        enum CodingKeys: String, CodingKey {
            case dryRun = "dry_run", examined, deleted, wouldDelete = "would_delete", protected = "kept_immutable", artifacts
        }

        /// A dry run reports what it `would_delete`, never `deleted`.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(dryRun, forKey: .dryRun)
            try container.encode(examined, forKey: .examined)
            try container.encode(deleted, forKey: dryRun ? .wouldDelete : .deleted)
            try container.encode(protected, forKey: .protected)
            try container.encode(artifacts, forKey: .artifacts)
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            dryRun = try container.decode(Bool.self, forKey: .dryRun)
            examined = try container.decode(Int.self, forKey: .examined)
            deleted = try container.decodeIfPresent(Int.self, forKey: dryRun ? .wouldDelete : .deleted) ?? 0
            protected = try container.decode(Int.self, forKey: .protected)
            artifacts = try container.decode([Artifact].self, forKey: .artifacts)
        }

        public init(dryRun: Bool) { self.dryRun = dryRun }
    }

    public func applyRetention(project: String, dryRun: Bool, slot: Date? = nil) async throws -> RetentionReport {
        guard let text = try await retention.retentionPolicy(of: project),
              let policy = try? JSONDecoder().decode(RetentionPolicy.self, from: Data(text.utf8))
        else { throw RegistryError(.nameUnknown, "project \(project) has no retention policy", status: 404) }
        let report = try await exclusively("retention", project: project, dryRun: dryRun, slot: slot) {
            var report = RetentionReport(dryRun: dryRun)
            let artifacts = try await retention.artifacts(inProject: project)
            report.examined = artifacts.count
            for artifact in policy.artifactsToDelete(artifacts, project: project) {
                let repository = try RepositoryName(parsing: artifact.repository)
                var outcome = dryRun ? "would_delete" : "deleted"
                if try await content.deletionRefusal(repository, .digest(artifact.digest)) != nil {
                    outcome = "kept_immutable"
                } else if !dryRun {
                    do {
                        let event = RegistryEvent(
                            .retentionDeleted, actor: .system, repository: repository, digest: artifact.digest,
                            detail: artifact.tags.isEmpty ? "untagged" : "tags " + artifact.tags.joined(separator: ","))
                        try await content.deleteManifest(repository, .digest(artifact.digest), recording: [event])
                    } catch let error as RegistryError where error.code == .denied {
                        outcome = "kept_immutable"  // a rule added meanwhile
                    } catch let error as RegistryError where error.code == .manifestUnknown {
                        continue  // deleted meanwhile
                    }
                }
                if outcome == "kept_immutable" { report.protected += 1 } else { report.deleted += 1 }
                if report.artifacts.count < 1000 {
                    report.artifacts.append(.init(repository: artifact.repository, digest: artifact.digest.description, tags: artifact.tags, outcome: outcome))
                }
            }
            return report
        }
        metrics.add("berth_retention_runs_total", labels: "dry_run=\"\(dryRun)\"")
        if !dryRun { metrics.add("berth_retention_deleted_total", Int64(report.deleted)) }
        return report
    }
}
