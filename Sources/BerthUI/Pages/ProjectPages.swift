import BerthManagement
import BerthMetadata
import Foundation
import Hummingbird

/// `/projects` (the projects a user may see, and the form that creates
/// one) and `/projects/{name}` (its repositories; the other tabs are in
/// `ProjectAdminPages`).
extension WebUI {
    static let projectsPerPage = 100
    static let repositoriesPerPage = 100

    func addProjectPages(to routes: UIRoutes) {
        routes.page("/projects") { visit in try await projectsPage(visit) }
        routes.form("/projects") { visit, form in
            let name = (form["name"] ?? "").trimmingCharacters(in: .whitespaces)
            let project = try await services.projects.create(name, isPublic: form.isChecked("public"), by: visit.requester)
            return UIRoutes.redirect("/projects/\(project.name)")
        }
        routes.page("/projects/:name") { visit in
            try await projectPage(visit, name: Self.project(of: visit))
        }
    }

    private func projectsPage(_ visit: Visit) async throws -> Response {
        let after = visit.query("after")
        // Visible projects come whole from the accounts (projects are few
        // beside artifacts); what each holds is read for one page only.
        let visible = try await services.projects.visibleProjects(by: visit.requester).sorted { $0.name < $1.name }
        let remaining = visible.filter { after == nil || $0.name > after! }
        let page = remaining.prefix(Self.projectsPerPage)
        var rows: [[String: Any]] = []
        for project in page {
            let detail = try await services.projects.detail(of: project.name, by: visit.requester)
            let contents = try await services.repositories.contents(ofProject: project.name, by: visit.requester)
            var row = Self.storage(detail)
            row["name"] = project.name
            row["public"] = project.isPublic
            row["repositories"] = contents.repositories
            row["lastPush"] = contents.lastPush.map { Formatting.time($0) }
            rows.append(row)
        }
        var values: [String: Any] = [
            "projects": rows, "hasProjects": !rows.isEmpty,
            "canCreate": await services.permissions.mayCreateProjects(visit.requester), "host": visit.host,
        ]
        if remaining.count > page.count, let last = page.last { values["next"] = last.name }
        return render("projects", title: "Projects", values, visit: visit)
    }

    private func projectPage(_ visit: Visit, name: String) async throws -> Response {
        let after = visit.query("after")
        let repositories = try await services.repositories.repositories(
            inProject: name, after: after, limit: Self.repositoriesPerPage + 1, by: visit.requester)
        let page = repositories.prefix(Self.repositoriesPerPage)
        let (frame, detail) = try await projectFrame(visit, project: name, tab: "repositories")
        var values = frame.merging(Self.storage(detail)) { $1 }
        values["host"] = visit.host
        values["hasRepositories"] = !page.isEmpty
        values["repositories"] = page.map { repository -> [String: Any] in
            var row: [String: Any] = ["name": repository.name, "artifacts": repository.artifacts]
            row["lastPush"] = repository.lastPush.map { Formatting.time($0) }
            row["lastPull"] = repository.lastPull.map { Formatting.time($0) }
            return row
        }
        if repositories.count > page.count, let last = page.last { values["next"] = last.name }
        return render("project", title: "Project \(detail.project.name)", values, visit: visit)
    }

    /// Storage used, and against the quota when there is one.
    private static func storage(_ detail: ProjectService.Detail) -> [String: Any] {
        var values: [String: Any] = ["storage": Formatting.size(detail.storageBytes)]
        if let quota = detail.project.quotaBytes, quota > 0 {
            values["quota"] = Formatting.size(quota)
            values["percent"] = min(100, Int(Double(detail.storageBytes) / Double(quota) * 100))
        }
        return values
    }
}
