import BerthMetadata
import HTTPTypes
import BerthPolicies
import OCI

/// The events `/v2` operations record, for the audit log and webhooks.
extension DistributionAPI {
    /// A project warns once its usage reaches this share of its quota.
    static let quotaWarningShare = 0.8

    func recordPush(_ push: RegistryService.ManifestPush, repository: RepositoryName, actor: Actor) {
        let digest = push.manifest.digest
        events.record(RegistryEvent(.artifactPushed, actor: actor, repository: repository, digest: digest, tag: push.tag?.value))
        if let movedFrom = push.movedFrom, let tag = push.tag {
            events.record(RegistryEvent(
                .tagMoved, actor: actor, repository: repository, digest: digest, tag: tag.value, detail: "from \(movedFrom)"))
        }
        if let quota = push.quota, quota.isNearLimit(warnAt: Self.quotaWarningShare) {
            events.record(RegistryEvent(
                .quotaWarning, actor: actor, repository: repository, digest: digest,
                detail: "project \(quota.project) uses \(quota.usedBytes) of its \(quota.limitBytes) bytes"))
        }
    }

    /// A push or delete refused by a rule (immutability, quota) or a permission.
    func recordRefusal(_ error: RegistryError, route: V2Route, method: HTTPRequest.Method, actor: Actor) {
        let repository: RepositoryName? = switch route {
        case .manifest(let name, _), .blob(let name, _), .uploads(let name), .upload(let name, _), .tags(let name),
             .referrers(let name, _):
            try? RepositoryName(parsing: name)
        case .base, .catalog: nil
        }
        let kind: RegistryEvent.Kind =
            if error.detail?["limit"] != nil { .quotaExceeded } else if method == .delete { .deleteRefused } else { .pushRefused }
        events.record(RegistryEvent(kind, actor: actor, repository: repository, result: "failure", detail: error.message))
    }
}
