import BerthMetadata
import HTTPTypes
import BerthPolicies
import OCI

/// The events `/v2` refusals record, for the audit log and webhooks (a
/// change records its own, with the change: see `ContentService`).
extension DistributionAPI {
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
