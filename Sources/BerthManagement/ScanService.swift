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
