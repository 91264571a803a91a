import BerthAuth
import BerthMetadata
import OCI

/// Decisions finer than a route's requirement: they depend on whom or
/// what the operation touches, or on a setting.
extension ManagementPermissions {
    /// A project the requester may see, else 404 as if it did not exist.
    func visibleProject(_ name: String, _ requester: Requester) async throws -> Project {
        let identity = try await check(.signedIn, requester)
        guard let project = try await accounts.project(named: name), try await canSee(project, identity) else {
            throw RegistryError.projectUnknown(name)
        }
        return project
    }

    /// Administrators create projects; with `users_create_projects`, any user.
    func checkCreatesProjects(_ requester: Requester) async throws -> Identity {
        let identity = try await check(.signedIn, requester)
        guard identity.isAdmin || usersCreateProjects else { throw RegistryError(.denied, "only administrators create projects") }
        return identity
    }

    /// Visibility is the ProjectAdmin's; the quota is the system administrators'.
    func checkChangesProject(_ project: String, settingQuota: Bool, _ requester: Requester) async throws -> Identity {
        let identity = try await check(.projectRole(.projectAdmin, in: project), requester)
        guard identity.isAdmin || !settingQuota else { throw RegistryError(.denied, "only system administrators set quotas") }
        return identity
    }

    /// Administrators read anyone; users themselves.
    func checkReadsUser(_ name: String, _ requester: Requester) async throws {
        let identity = try await check(.signedIn, requester)
        guard identity.isAdmin || identity.name == name else { throw RegistryError(.denied) }
    }

    /// Administrators change anything; users change their own password and email.
    func checkChangesUser(_ name: String, settingRoles: Bool, _ requester: Requester) async throws -> Identity {
        let identity = try await check(.signedIn, requester)
        guard identity.isAdmin || (identity.name == name && !settingRoles) else { throw RegistryError(.denied) }
        return identity
    }

    /// Administrators delete users, but not themselves (nobody would be left to undo it).
    func checkDeletesUser(_ name: String, _ requester: Requester) async throws {
        let identity = try await check(.admin, requester)
        guard identity.name != name else { throw RegistryError(.denied, "administrators cannot delete themselves") }
    }

    /// The whole audit log is the administrators'; a project's is its ProjectAdmins' too.
    func checkReadsAudit(of project: String?, _ requester: Requester) async throws {
        let identity = try await check(.signedIn, requester)
        if identity.isAdmin { return }
        guard let project else { throw RegistryError(.denied, "only administrators read the whole audit log; name a project") }
        try await check(.projectRole(.projectAdmin, in: project), requester)
    }

    /// A project robot is its ProjectAdmins'; a system robot (`project` nil) the administrators'.
    func robotsRequirement(_ project: String?) -> Requirement {
        project.map { .projectRole(.projectAdmin, in: $0) } ?? .admin
    }
}

extension ManagementPermissions {
    /// Whether the requester may create projects (for a page to offer the form).
    public func mayCreateProjects(_ requester: Requester) async -> Bool {
        (try? await checkCreatesProjects(requester)) != nil
    }

    /// Whether the requester meets `requirement` (for a page to offer what needs it).
    public func holds(_ requirement: Requirement, _ requester: Requester) async -> Bool {
        (try? await check(requirement, requester)) != nil
    }
}
