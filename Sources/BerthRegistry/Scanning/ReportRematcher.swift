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

    /// How many packages were evaluated again and the report's findings
    /// per severity; nil when the artifact has no report to start from (a
    /// full scan is owed instead).
    func rematch(_ repository: String, _ digest: String, at now: Date = Date()) async throws -> (evaluated: Int, counts: [String: Int])? {
        guard let changed = try await scans.packagesToRematch(repository, digest, margin: Self.changeMargin) else { return nil }
        let findings = try await matcher.findings(for: changed).map(\.stored)
        // What an external scanner found stays: asking it again would read every layer again.
        let counts = try await scans.finishRematch(repository, digest, replacing: changed, with: findings, matchedAt: now)
        return (changed.count, counts)
    }
}
