import BerthManagement
import BerthMetadata
import Foundation
import Hummingbird
import OCI

/// A project's members (everyone who sees the project sees them; its
/// ProjectAdmins change them), robot accounts and audit log (ProjectAdmins).
extension WebUI {
    static let auditPerPage = 100

    func addProjectAdminPages(to routes: UIRoutes) {
        routes.page("/projects/:name/members") { visit in try await membersPage(visit, project: Self.project(of: visit)) }
        routes.form("/projects/:name/members") { visit, form in
            let project = Self.project(of: visit)
            let user = (form["user"] ?? "").trimmingCharacters(in: .whitespaces)
            switch form["action"] {
            case "set":
                guard let role = Role(rawValue: form["role"] ?? "") else { throw RegistryError(.unsupported, "unknown role", status: 400) }
                _ = try await services.projects.setMember(user, role: role, in: project, by: visit.requester)
            case "remove":
                try await services.projects.removeMember(user, from: project, by: visit.requester)
            default:
                throw RegistryError(.unsupported, "unknown action", status: 400)
            }
            return UIRoutes.redirect("/projects/\(project)/members")
        }
        routes.page("/projects/:name/robots") { visit in try await robotsPage(visit, project: Self.project(of: visit), issued: nil) }
        routes.form("/projects/:name/robots") { visit, form in
            let project = Self.project(of: visit)
            let name = (form["name"] ?? "").trimmingCharacters(in: .whitespaces)
            switch form["action"] {
            case "create":
                let actions = ["pull", "push", "delete"].filter { form.isChecked($0) }
                guard let days = Int(form["expires_in_days"].flatMap { $0.isEmpty ? "0" : $0 } ?? "0"), days >= 0 else {
                    throw RegistryError(.unsupported, "expires in days must be a whole number, 0 for never", status: 400)
                }
                let issued = try await services.robots.create(
                    .init(name: name, actions: actions, projects: nil, expiresInDays: days), in: project, by: visit.requester)
                // The secret is shown in this answer only: never in a URL, never again.
                return try await robotsPage(visit, project: project, issued: issued)
            case "regenerate":
                return try await robotsPage(
                    visit, project: project, issued: try await services.robots.regenerateSecret(of: name, in: project, by: visit.requester))
            case "disable", "enable":
                _ = try await services.robots.update(
                    name, in: project, .init(actions: nil, projects: nil, isDisabled: form["action"] == "disable"), by: visit.requester)
            case "delete":
                try await services.robots.delete(name, in: project, by: visit.requester)
            default:
                throw RegistryError(.unsupported, "unknown action", status: 400)
            }
            return UIRoutes.redirect("/projects/\(project)/robots")
        }
        routes.page("/projects/:name/audit") { visit in try await auditPage(visit, project: Self.project(of: visit)) }
    }

    /// `/projects/{name}/…`: the name is the path's second component.
    static func project(of visit: Visit) -> String {
        let parts = visit.request.uri.path.split(separator: "/")
        return parts.count > 1 ? String(parts[1]) : ""
    }

    /// The tabs above every page of a project, and whether the visitor administers it; with the
    /// project's detail, read once for the page.
    func projectFrame(_ visit: Visit, project: String, tab: String) async throws -> (values: [String: Any], detail: ProjectService.Detail) {
        let detail = try await services.projects.detail(of: project, by: visit.requester)
        let administers = await services.permissions.holds(.projectRole(.projectAdmin, in: project), visit.requester)
        var tabs = [("repositories", "Repositories", "/projects/\(project)"), ("members", "Members", "/projects/\(project)/members")]
        if await services.permissions.holds(.projectRole(.guest, in: project), visit.requester) {
            tabs.append(("policies", "Policies", "/projects/\(project)/policies"))
        }
        if administers { tabs += [("robots", "Robot accounts", "/projects/\(project)/robots"), ("audit", "Audit log", "/projects/\(project)/audit")] }
        let values: [String: Any] = [
            "project": ["name": detail.project.name, "public": detail.project.isPublic] as [String: Any],
            "administers": administers,
            "tabs": tabs.map { ["href": $0.2, "label": $0.1, "current": $0.0 == tab] as [String: Any] },
        ]
        return (values, detail)
    }

    private func membersPage(_ visit: Visit, project: String) async throws -> Response {
        var values = try await projectFrame(visit, project: project, tab: "members").values
        let members = try await services.projects.members(of: project, by: visit.requester)
        let roles = Role.allCases.map(\.rawValue)
        values["members"] = members.map { member -> [String: Any] in
            ["user": member.user, "role": member.role.rawValue,
             "roles": roles.map { ["role": $0, "selected": $0 == member.role.rawValue] as [String: Any] }]
        }
        values["hasMembers"] = !members.isEmpty
        values["roles"] = roles
        return render("members", title: "Members of \(project)", values, visit: visit)
    }

    private func robotsPage(_ visit: Visit, project: String, issued: RobotService.Issued?) async throws -> Response {
        var values = try await projectFrame(visit, project: project, tab: "robots").values
        let robots = try await services.robots.robots(of: project, by: visit.requester)
        let prefix = "robot$\(project)+"
        values["robots"] = robots.map { robot -> [String: Any] in
            var row: [String: Any] = [
                "name": robot.name, "short": robot.name.hasPrefix(prefix) ? String(robot.name.dropFirst(prefix.count)) : robot.name,
                "actions": (robot.permissions[project] ?? []).sorted().joined(separator: ", "), "disabled": robot.isDisabled,
            ]
            row["expires"] = robot.expiresAt.map { Formatting.time($0) }
            return row
        }
        values["hasRobots"] = !robots.isEmpty
        values["host"] = visit.host
        if let issued { values["issued"] = ["name": issued.robot.name, "secret": issued.secret] }
        return render("robots", title: "Robot accounts of \(project)", values, visit: visit)
    }

    private func auditPage(_ visit: Visit, project: String) async throws -> Response {
        var values = try await projectFrame(visit, project: project, tab: "audit").values
        var before: Int64?
        if let text = visit.query("before") {
            guard let cursor = Int64(text), cursor > 0 else { throw RegistryError(.paginationNumberInvalid, "before must be a cursor", status: 400) }
            before = cursor
        }
        let entries = try await services.audit.entries(
            AuditQuery(project: project, before: before, limit: Self.auditPerPage + 1), by: visit.requester)
        let page = entries.prefix(Self.auditPerPage)
        values["entries"] = page.map { entry -> [String: Any] in
            let event = entry.event
            return [
                "time": Formatting.time(event.time), "kind": event.kind.rawValue, "actor": event.actor ?? event.actorKind,
                "source": event.source ?? "", "what": [event.repository, event.tag, event.digest.map(Formatting.shortDigest), event.detail]
                    .compactMap { $0 }.joined(separator: " "),
                "result": event.result,
            ]
        }
        values["hasEntries"] = !page.isEmpty
        if entries.count > page.count, let last = page.last { values["next"] = "\(last.cursor)" }
        return render("audit", title: "Audit log of \(project)", values, visit: visit)
    }
}
