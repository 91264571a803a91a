import BerthMetadata
import Foundation

/// Matches an artifact's kept packages again after the database changed:
/// only the packages whose advisories changed since its last match (by name
/// or by source) are evaluated, and only their findings are rewritten, so a
/// rematch costs a few indexed reads and writes whatever the report's size.
struct ReportRematcher: Sendable {
    let scans: SQLScanStore
    let matcher: VulnerabilityMatcher

    /// A change is looked for from this long before the previous match: an
    /// import stamps its changes when its transaction runs, a little before
    /// it commits, and nodes' clocks differ by a little.
    static let changeMargin: TimeInterval = 60

    /// How many packages were evaluated again; nil when the artifact has no
    /// report to start from (a full scan is owed instead).
    func rematch(_ repository: String, _ digest: String, at now: Date = Date()) async throws -> Int? {
        guard let record = try await scans.scan(repository, digest), record.report != nil, let matchedAt = record.matchedAt else { return nil }
        let changed = try await scans.packages(repository, digest, changedAfter: matchedAt.addingTimeInterval(-Self.changeMargin))
        let encoder = ScanDocument.encoder()
        let findings = try await matcher.findings(for: changed).map { try $0.stored(by: encoder) }
        // What an external scanner found stays: asking it again would read every layer again.
        try await scans.finishRematch(repository, digest, replacing: changed, with: findings, matchedAt: now)
        return changed.count
    }
}
