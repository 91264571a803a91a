import BerthMetadata
import Crypto
import Foundation

/// Queues replication for what was pushed or deleted here, for every
/// enabled push rule with `trigger: event` whose filters match: one
/// execution per rule and event (named after both, so an event handed
/// over again queues nothing new). What replication itself wrote is left
/// alone, so two registries replicating to each other do not loop.
public struct ReplicationTrigger: EventConsumer {
    let store: any ReplicationStore

    public init(store: any ReplicationStore) { self.store = store }

    public var name: String { "replication" }

    public func consume(_ entries: [OutboxEntry]) async throws {
        let wanted: Set<RegistryEvent.Kind> = [.artifactPushed, .tagDeleted, .artifactDeleted]
        let events = entries.map(\.event).filter { event in
            wanted.contains(event.kind) && event.repository != nil && !(event.actor ?? "").hasPrefix("replication:")
        }
        guard !events.isEmpty else { return }
        let rules = try await store.replicationRules().filter { $0.enabled && $0.trigger == .event && $0.direction == .push }
        guard !rules.isEmpty else { return }
        for event in events {
            for rule in rules {
                guard let scope = Self.scope(of: event, for: rule) else { continue }
                let id = "e-" + SHA256.hash(data: Data((event.id + " " + rule.name).utf8)).prefix(12).map { String(format: "%02x", $0) }.joined()
                _ = try await store.enqueue(ReplicationExecution(id: id, rule: rule.name, trigger: .event, scope: scope), slot: nil)
            }
        }
    }

    /// What `event` asks `rule` to do, if anything.
    static func scope(of event: RegistryEvent, for rule: ReplicationRule) -> ReplicationExecution.Scope? {
        guard let repository = event.repository else { return nil }
        let filter = ReplicationFilter(rule)
        guard filter.includes(repository: repository) else { return nil }
        switch event.kind {
        case .artifactPushed:
            // A tag pushed, or a manifest by digest (a signature or SBOM arriving after its subject).
            if let tag = event.tag { return filter.includes(tag: tag) ? .init(repository: repository, reference: tag, deletion: false) : nil }
            return event.digest.map { .init(repository: repository, reference: $0, deletion: false) }
        case .tagDeleted:
            guard rule.replicateDeletions, let tag = event.tag, filter.includes(tag: tag) else { return nil }
            return .init(repository: repository, reference: tag, deletion: true)
        case .artifactDeleted:
            guard rule.replicateDeletions, let digest = event.digest else { return nil }
            return .init(repository: repository, reference: digest, deletion: true)
        default:
            return nil
        }
    }
}
