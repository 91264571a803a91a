import BerthMetadata
import Foundation

/// Queues a scan of every artifact pushed (or filled into a pull-through
/// cache, whose fills are pushes by `proxy:<registry>`): scanning is on
/// for every project. A scan already queued is not queued twice.
public struct ScanOnPush: EventConsumer {
    let scans: SQLScanStore

    public init(scans: SQLScanStore) { self.scans = scans }

    public var name: String { "scanning" }

    public func consume(_ entries: [OutboxEntry]) async throws {
        // The scanner's own SBOMs are not scanned.
        for event in entries.map(\.event) where event.kind == .artifactPushed && event.actor != SBOMReferrers.actor.name {
            guard let repository = event.repository, let digest = event.digest else { continue }
            _ = try await scans.request(repository, digest)
        }
    }
}
