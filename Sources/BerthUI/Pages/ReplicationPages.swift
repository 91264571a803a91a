import BerthManagement
import BerthMetadata
import Hummingbird
import OCI

/// `/admin/registries` for administrators: the other registries (upstreams
/// of proxy projects, replication targets), the replication rules with
/// their last executions (run one now), and the system robot accounts.
/// Creating and changing them stays with `/api/v1`, whose bodies these
/// pages show the shape of.
extension WebUI {
    static let executionsShown = 5

    func addReplicationPages(to routes: UIRoutes) {
        routes.page("/admin/registries") { visit in try await registriesPage(visit) }
        routes.form("/admin/registries") { visit, form in
            guard form["action"] == "run" else { throw RegistryError(.unsupported, "unknown action", status: 400) }
            _ = try await services.replication.run(form["rule"] ?? "", by: visit.requester)
            return UIRoutes.redirect("/admin/registries")
        }
    }

    private func registriesPage(_ visit: Visit) async throws -> Response {
        let requester = visit.requester
        var values = Self.adminFrame(tab: "registries")
        let registries = try await services.registries.registries(by: requester)
        values["registries"] = registries.map { registry -> [String: Any] in
            ["name": registry.name, "url": registry.url, "account": registry.username ?? "anonymous", "insecure": registry.insecure]
        }
        values["hasRegistries"] = !registries.isEmpty
        var rules: [[String: Any]] = []
        for rule in try await services.replication.rules(by: requester) {
            let executions = try await services.replication.executions(of: rule.name, limit: Self.executionsShown, by: requester)
            rules.append([
                "name": rule.name, "direction": rule.direction.rawValue, "registry": rule.registry, "repositories": rule.repositories,
                "tags": rule.tags, "trigger": rule.trigger.rawValue + (rule.cron.map { " (\($0))" } ?? ""),
                "executions": executions.map { execution -> [String: Any] in
                    let copied = execution.artifacts.filter { $0.status == .succeeded }.count
                    let failed = execution.artifacts.filter { $0.status == .failed }.count
                    return ["started": Formatting.time(execution.startedAt ?? execution.createdAt), "status": execution.status.rawValue,
                            "copied": copied, "failed": failed, "error": execution.error ?? ""]
                },
            ])
        }
        values["rules"] = rules
        values["hasRules"] = !rules.isEmpty
        let robots = try await services.robots.robots(of: nil, by: requester)
        values["robots"] = robots.map { robot -> [String: Any] in
            ["name": robot.name, "disabled": robot.isDisabled,
             "grants": robot.permissions.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value.sorted().joined(separator: ", "))" }
                .joined(separator: "; ")]
        }
        values["hasRobots"] = !robots.isEmpty
        return render("registries", title: "Registries and replication", values, visit: visit)
    }
}
