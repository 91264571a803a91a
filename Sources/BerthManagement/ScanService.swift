import BerthMetadata
import BerthRegistry
import Foundation
import OCI

/// Scans on demand and their reports, held to the project's roles:
/// developers may ask for a scan, guests may read its report.
public struct ScanService: Sendable {
    let scans: SQLScanStore
    let content: any MetadataStore
    let permissions: ManagementPermissions
    let audit: ChangeAudit

    /// Queues a scan of an artifact stored here; false when one is queued or running already.
    public func request(repository: String, digest: String, by requester: Requester) async throws -> Bool {
        let (name, parsed) = try Self.parse(repository, digest)
        try await permissions.check(.projectRole(.developer, in: name.project), requester)
        guard try await content.manifest(name, .digest(parsed)) != nil else {
            throw RegistryError(.manifestUnknown, "\(repository)@\(digest) is not stored here", status: 404)
        }
        let queued = try await scans.request(name.value, parsed.description)
        audit.record(requester, .ran, "scans/\(name.value)@\(parsed)", project: name.project)
        return queued
    }

    /// The artifact's last scan and its whole report (JSON, nil until a
    /// scan completes), or nil when it was never scanned.
    public func scan(repository: String, digest: String, by requester: Requester) async throws -> (record: ScanRecord, report: String?)? {
        let (name, parsed) = try Self.parse(repository, digest)
        try await permissions.check(.projectRole(.guest, in: name.project), requester)
        guard let record = try await scans.scan(name.value, parsed.description) else { return nil }
        guard let report = record.report else { return (record, nil) }
        let findings = try await scans.findings(name.value, parsed.description)
        return (record, ScanDocument.assemble(report: report, matchedAt: record.matchedAt, findings: findings))
    }

    /// The findings of the artifact's last completed scan, the most severe
    /// first (by severity, then CVSS score), at most `limit`; with their count.
    public func findings(repository: String, digest: String, limit: Int, by requester: Requester) async throws -> (shown: [Finding], total: Int) {
        let (name, parsed) = try Self.parse(repository, digest)
        try await permissions.check(.projectRole(.guest, in: name.project), requester)
        let decoder = JSONDecoder()
        let all = try await scans.findings(name.value, parsed.description).compactMap {
            try? decoder.decode(Finding.self, from: Data($0.json.utf8))
        }
        let ranked = all.sorted {
            (Self.rank($0.severity), $0.cvssScore ?? 0, $1.id) > (Self.rank($1.severity), $1.cvssScore ?? 0, $0.id)
        }
        return (Array(ranked.prefix(max(0, limit))), all.count)
    }

    /// Severities from least to most severe; unknown ones lowest.
    public static func rank(_ severity: String) -> Int {
        ["unknown", "none", "low", "medium", "high", "critical"].firstIndex(of: severity.lowercased()) ?? -1
    }

    static func parse(_ repository: String, _ digest: String) throws -> (RepositoryName, Digest) {
        guard let name = try? RepositoryName(parsing: repository) else {
            throw RegistryError(.nameInvalid, "repository must be a repository name such as team/app", status: 400)
        }
        guard let parsed = try? Digest(parsing: digest) else {
            throw RegistryError(.digestInvalid, "digest must be a digest such as sha256:…", status: 400)
        }
        return (name, parsed)
    }
}
