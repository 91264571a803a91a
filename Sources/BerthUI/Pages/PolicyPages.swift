import BerthAuth
import BerthManagement
import BerthMetadata
import BerthRegistry
import Foundation
import Hummingbird
import OCI

/// `/projects/{name}/policies`: the project's quota, tag immutability
/// rules (Maintainers add and delete them), retention policy (with a dry
/// run that shows what it would delete), webhooks with their last
/// deliveries, and its other settings (tag rules, signing, scanning) as
/// stored. Every member with a role reads them; changes beyond these forms
/// go through `/api/v1`.
extension WebUI {
    static let deliveriesShown = 5

    func addPolicyPages(to routes: UIRoutes) {
        routes.page("/projects/:name/policies") { visit in try await policiesPage(visit, project: Self.project(of: visit), retention: nil) }
        routes.form("/projects/:name/policies") { visit, form in
            let project = Self.project(of: visit)
            switch form["action"] {
            case "add-immutability":
                _ = try await services.policies.addImmutabilityRule(
                    repository: form["repository"] ?? "", tag: form["tag"] ?? "", to: project, by: visit.requester)
            case "delete-immutability":
                try await services.policies.deleteImmutabilityRule(form["id"] ?? "", from: project, by: visit.requester)
            case "retention-dry-run", "retention-run":
                let report = try await services.maintenance.applyRetention(
                    of: project, dryRun: form["action"] == "retention-dry-run", by: visit.requester)
                return try await policiesPage(visit, project: project, retention: report)
            case "quota":
                let text = (form["quota_gib"] ?? "").trimmingCharacters(in: .whitespaces)
                let quota: ProjectService.QuotaChange
                if text.isEmpty {
                    quota = .unlimited
                } else {
                    guard let gib = Double(text), gib.isFinite, gib > 0, gib <= 1_000_000 else {
                        throw RegistryError(.unsupported, "the quota is a number of GiB above 0 (at most 1,000,000), or empty for none", status: 400)
                    }
                    quota = .bytes(Int64(gib * 1_073_741_824))
                }
                _ = try await services.projects.update(project, .init(isPublic: nil, quota: quota), by: visit.requester)
            default:
                throw RegistryError(.unsupported, "unknown action", status: 400)
            }
            return UIRoutes.redirect("/projects/\(project)/policies")
        }
    }

    private func policiesPage(_ visit: Visit, project: String, retention: Maintenance.RetentionReport?) async throws -> Response {
        var (values, detail) = try await projectFrame(visit, project: project, tab: "policies")
        let requester = visit.requester
        values["storage"] = Formatting.size(detail.storageBytes)
        values["quota"] = detail.project.quotaBytes.map(Formatting.size) ?? "none"
        values["quotaGiB"] = detail.project.quotaBytes.map { String(format: "%g", Double($0) / 1_073_741_824) } ?? ""
        values["setsQuota"] = requester.identity.isAdmin
        values["maintains"] = await services.permissions.holds(.projectRole(.maintainer, in: project), requester)
        let rules = try await services.policies.immutabilityRules(of: project, by: requester)
        values["rules"] = rules.map { ["id": $0.id, "repository": $0.repositoryPattern, "tag": $0.tagPattern] }
        values["hasRules"] = !rules.isEmpty
        values["retentionPolicy"] = await Self.optional { try await services.policies.retentionPolicy(of: project, by: requester) }
            .map { Self.prettyJSON(Array($0.utf8)) }
        if let retention {
            values["retention"] = [
                "dryRun": retention.dryRun, "examined": retention.examined, "count": retention.deleted,
                "protected": retention.protected,
                "artifacts": retention.artifacts.prefix(100).map {
                    ["repository": $0.repository, "short": Formatting.shortDigest($0.digest), "digest": $0.digest, "tags": $0.tags.joined(separator: ", "),
                     "outcome": $0.outcome.replacingOccurrences(of: "_", with: " ")]
                },
            ] as [String: Any]
        }
        var settings: [[String: String]] = []
        for setting in [ProjectSetting.tagRules, .signing, .scanning] {
            if let text = await Self.optional({ try await services.policies.setting(setting, of: project, by: requester) }) {
                settings.append(["name": setting.rawValue, "json": Self.prettyJSON(Array(text.utf8))])
            }
        }
        values["settings"] = settings
        if values["administers"] as? Bool == true {
            var hooks: [[String: Any]] = []
            for hook in try await services.webhooks.webhooks(of: project, by: requester) {
                let deliveries = try await services.webhooks.deliveries(ofWebhook: hook.id, in: project, by: requester)
                hooks.append([
                    "url": hook.url, "events": hook.events.joined(separator: ", "),
                    "deliveries": deliveries.prefix(Self.deliveriesShown).map { delivery -> [String: Any] in
                        ["event": delivery.event, "status": delivery.status.rawValue, "attempts": delivery.attempts,
                         "code": delivery.lastStatusCode.map(String.init) ?? "–", "error": delivery.lastError ?? ""]
                    },
                ])
            }
            values["webhooks"] = hooks
            values["hasWebhooks"] = !hooks.isEmpty
        }
        return render("policies", title: "Policies of \(project)", values, visit: visit)
    }

    /// A read that answers 404 when the thing is not set: nil then.
    static func optional<T>(_ read: () async throws -> T) async -> T? {
        do { return try await read() } catch { return nil }
    }
}
