import BerthMetadata
import Foundation

/// Queues a scan of every artifact pushed (or filled into a pull-through
/// cache, whose fills are pushes by `proxy:<registry>`), when `scan_on_push`
/// is on (the default). A scan already queued is not queued twice. The
/// scanner's own SBOMs are stored without an event, so they are not scanned.
public struct ScanOnPush: EventConsumer {
    let scans: SQLScanStore

    public init(scans: SQLScanStore) { self.scans = scans }

    public var name: String { "scanning" }

    public func consume(_ entries: [OutboxEntry]) async throws {
        for event in entries.map(\.event) where event.kind == .artifactPushed {
            guard let repository = event.repository, let digest = event.digest else { continue }
            _ = try await scans.request(repository, digest)
        }
    }
}
