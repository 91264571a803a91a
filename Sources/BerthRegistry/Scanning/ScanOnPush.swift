import BerthMetadata
import Foundation
import OCI

/// Queues a scan of every artifact pushed (or filled into a pull-through
/// cache, whose fills are pushes by `proxy:<registry>`) to a project whose
/// scanning setting says `scan_on_push`, or that has none while the server's
/// `scan_on_push` is on (the default). A scan already queued is not queued
/// twice. The scanner's own SBOMs are stored without an event, so they are
/// not scanned.
public struct ScanOnPush: EventConsumer {
    let scans: SQLScanStore
    let settings: any ProjectSettingStore
    let byDefault: Bool

    public init(scans: SQLScanStore, settings: any ProjectSettingStore, byDefault: Bool) {
        (self.scans, self.settings, self.byDefault) = (scans, settings, byDefault)
    }

    public var name: String { "scanning" }

    public func consume(_ entries: [OutboxEntry]) async throws {
        for event in entries.map(\.event) where event.kind == .artifactPushed {
            guard let repository = event.repository, let digest = event.digest,
                  let project = try? RepositoryName(parsing: repository).project,
                  try await scansOnPush(project)
            else { continue }
            _ = try await scans.request(repository, digest)
        }
    }

    private func scansOnPush(_ project: String) async throws -> Bool {
        guard let text = try await settings.setting(.scanning, of: project),
              let setting = try? JSONDecoder().decode(ScanningSettings.self, from: Data(text.utf8))
        else { return byDefault }
        return setting.scanOnPush ?? byDefault
    }
}
