import BerthMetadata
import Foundation
import Synchronization

/// Remembers when manifests were last pulled, for retention rules, by
/// writing the pulls of the last moment in one batch (`flush`): a pull
/// never waits for a database write.
public final class PullRecorder: EventSink {
    struct Key: Hashable {
        let repository: String
        let digest: String
    }

    let store: any RetentionStore
    private let pending = Mutex<[Key: Date]>([:])

    public init(store: any RetentionStore) { self.store = store }

    public func record(_ event: RegistryEvent) {
        guard event.kind == .artifactPulled, let repository = event.repository, let digest = event.digest else { return }
        pending.withLock {
            if $0.count < 100_000 { $0[Key(repository: repository, digest: digest)] = event.time }
        }
    }

    public func flush() async throws {
        let pulls = pending.withLock { pending in
            defer { pending.removeAll() }
            return pending
        }
        try await store.recordPulls(pulls.map { ($0.key.repository, $0.key.digest, $0.value) })
    }
}
