import BerthManagement
import BerthMetadata
import Foundation
import Hummingbird
import OCI

/// `/admin` for system administrators: what this node runs on, the users
/// (create, disable, make admin, reset a password) and garbage collection
/// (its runs, a dry run, a run).
extension WebUI {
    func addAdminPages(to routes: UIRoutes) {
        routes.page("/admin") { visit in
            let storedBytes = try await services.maintenance.storedBytes(by: visit.requester)
            var values = Self.adminFrame(tab: "system")
            values["facts"] = [
                ["name": "Version", "value": system.version], ["name": "Metadata database", "value": system.database],
                ["name": "Blob storage", "value": system.storage], ["name": "Stored", "value": Formatting.size(storedBytes)],
                ["name": "Started", "value": Formatting.exact(system.startedAt)],
                ["name": "Up for", "value": Formatting.relative(system.startedAt, now: Date()).replacingOccurrences(of: " ago", with: "")],
            ]
            return render("admin", title: "Administration", values, visit: visit)
        }
        routes.page("/admin/users") { visit in
            let users = try await services.users.users(by: visit.requester)
            var values = Self.adminFrame(tab: "users")
            values["users"] = users.sorted { $0.name < $1.name }.map { user -> [String: Any] in
                ["name": user.name, "email": user.email, "admin": user.isAdmin, "disabled": user.isDisabled, "self": user.name == visit.user?.name]
            }
            return render("users", title: "Users", values, visit: visit)
        }
        routes.form("/admin/users") { visit, form in
            let name = (form["name"] ?? "").trimmingCharacters(in: .whitespaces)
            switch form["action"] {
            case "create":
                _ = try await services.users.create(
                    .init(name: name, password: form["password"] ?? "", email: form["email"] ?? "", isAdmin: form.isChecked("admin")),
                    by: visit.requester)
            case "disable", "enable":
                _ = try await services.users.update(
                    name, .init(password: nil, email: nil, isAdmin: nil, isDisabled: form["action"] == "disable"), by: visit.requester)
            case "make-admin", "revoke-admin":
                _ = try await services.users.update(
                    name, .init(password: nil, email: nil, isAdmin: form["action"] == "make-admin", isDisabled: nil), by: visit.requester)
            case "password":
                _ = try await services.users.update(
                    name, .init(password: form["password"] ?? "", email: nil, isAdmin: nil, isDisabled: nil), by: visit.requester)
                // Whoever knew the old password is signed out of the UI everywhere.
                try await sessions.endAll(of: name)
            default:
                throw RegistryError(.unsupported, "unknown action", status: 400)
            }
            return UIRoutes.redirect("/admin/users")
        }
        routes.page("/admin/gc") { visit in
            let runs = try await services.maintenance.collectionRuns(by: visit.requester)
            var values = Self.adminFrame(tab: "gc")
            values["runs"] = runs.prefix(50).map { run -> [String: Any] in
                ["started": Formatting.time(run.startedAt), "seconds": String(format: "%.1f", run.finishedAt.timeIntervalSince(run.startedAt)),
                 "dryRun": run.dryRun, "status": run.status, "result": run.result]
            }
            values["hasRuns"] = !runs.isEmpty
            return render("gc", title: "Garbage collection", values, visit: visit)
        }
        routes.form("/admin/gc") { visit, form in
            _ = try await services.maintenance.collectGarbage(
                .init(dryRun: form["action"] != "run", deleteUntagged: form.isChecked("delete_untagged") ? true : nil, graceSeconds: nil),
                by: visit.requester)
            return UIRoutes.redirect("/admin/gc")
        }
    }

    static func adminFrame(tab: String) -> [String: Any] {
        let tabs = [
            ("system", "System", "/admin"), ("users", "Users", "/admin/users"), ("gc", "Garbage collection", "/admin/gc"),
            ("registries", "Registries and replication", "/admin/registries"),
        ]
        return ["tabs": tabs.map { ["href": $0.2, "label": $0.1, "current": $0.0 == tab] as [String: Any] }]
    }
}
