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

    /// For each artifact, how many packages were evaluated again and the
    /// report's findings per severity; nil for one with no report to start
    /// from (a full scan is owed instead). One read, one match of the
    /// packages they hold between them, one write.
    func rematch(_ artifacts: [SQLScanStore.Claimed], at now: Date = Date()) async throws -> [(evaluated: Int, counts: [String: Int])?] {
        let changed = try await scans.packagesToRematch(artifacts, margin: Self.changeMargin)
        // Artifacts share packages: each is matched once for all of them.
        let findings = Dictionary(grouping: try await matcher.findings(for: Array(Set(changed.flatMap { $0 ?? [] }))), by: \.installed)
        var rematches: [SQLScanStore.Rematched] = []
        for (artifact, packages) in zip(artifacts, changed) {
            guard let packages else { continue }
            rematches.append(.init(
                repository: artifact.repository, digest: artifact.digest, packages: packages,
                findings: packages.flatMap { package in (findings[package.packageVersion] ?? []).filter { $0.sourcePackage == package.source } }
                    .map(\.stored)))
        }
        // What an external scanner found stays: asking it again would read every layer again.
        var counts = try await scans.finishRematches(rematches, matchedAt: now).makeIterator()
        return zip(artifacts, changed).map { _, packages in
            guard let packages, let counted = counts.next() else { return nil }
            return (packages.count, counted)
        }
    }

    /// The same for one artifact.
    func rematch(_ repository: String, _ digest: String, at now: Date = Date()) async throws -> (evaluated: Int, counts: [String: Int])? {
        try await rematch([SQLScanStore.Claimed(repository: repository, digest: digest, matchOnly: true)], at: now).first ?? nil
    }
}
