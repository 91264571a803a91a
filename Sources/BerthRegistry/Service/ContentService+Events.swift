import BerthMetadata
import BerthPolicies
import OCI

/// The events a change records, committed in the change's transaction.
extension ContentService {
    /// A project warns once its usage reaches this share of its quota.
    static let quotaWarningShare = 0.8

    static func pushEvents(
        _ manifest: Manifest, tag: Tag?, movedFrom: Digest?, aliases: [AliasMove], quota: QuotaUsage?, in repository: RepositoryName,
        by actor: Actor
    ) -> [RegistryEvent] {
        let digest = manifest.digest
        var events = [RegistryEvent(.artifactPushed, actor: actor, repository: repository, digest: digest, tag: tag?.value)]
        if let movedFrom, let tag {
            events.append(RegistryEvent(.tagMoved, actor: actor, repository: repository, digest: digest, tag: tag.value, detail: "from \(movedFrom)"))
        }
        // An alias the registry moved is a moved tag like any other (new or not), saying whose push moved it.
        for alias in aliases {
            let from = alias.previous.map { ", from \($0)" } ?? ""
            events.append(RegistryEvent(
                .tagMoved, actor: actor, repository: repository, digest: digest, tag: alias.tag,
                detail: "alias of \(tag?.value ?? "")\(from)"))
        }
        if let quota, quota.isNearLimit(warnAt: quotaWarningShare) {
            events.append(RegistryEvent(
                .quotaWarning, actor: actor, repository: repository, digest: digest,
                detail: "project \(quota.project) uses \(quota.usedBytes) of its \(quota.limitBytes) bytes"))
        }
        return events
    }

    /// What deleting `reference` records: a tag deleted, or an artifact.
    public static func deletionEvent(of reference: Reference, in repository: RepositoryName, by actor: Actor) -> RegistryEvent {
        switch reference {
        case .tag(let tag): RegistryEvent(.tagDeleted, actor: actor, repository: repository, tag: tag.value)
        case .digest(let digest): RegistryEvent(.artifactDeleted, actor: actor, repository: repository, digest: digest)
        }
    }
}
