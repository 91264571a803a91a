import BerthMetadata
import Logging
import OCI

/// A project's members and their roles: everyone who sees the project
/// sees its members; its ProjectAdmins change them.
extension ProjectService {
    public func members(of project: String, by requester: Requester) async throws -> [Membership] {
        _ = try await permissions.visibleProject(project, requester)
        return try await accounts.members(of: project)
    }

    /// Adds the member or changes their role.
    public func setMember(_ user: String, role: Role, in project: String, by requester: Requester) async throws -> Membership {
        let identity = try await permissions.check(.projectRole(.projectAdmin, in: project), requester)
        guard try await accounts.user(named: user) != nil else { throw RegistryError.userUnknown(user) }
        try await accounts.setMember(user, of: project, role: role)
        requester.logger.notice(
            "member set", metadata: ["project": "\(project)", "user": "\(user)", "role": "\(role.rawValue)", "by": "\(identity)"])
        audit.record(requester, .changed, "projects/\(project)/members/\(user)", project: project)
        return Membership(user: user, role: role)
    }

    public func removeMember(_ user: String, from project: String, by requester: Requester) async throws {
        try await permissions.check(.projectRole(.projectAdmin, in: project), requester)
        guard try await accounts.removeMember(user, from: project) else { throw RegistryError.userUnknown(user) }
        audit.record(requester, .deleted, "projects/\(project)/members/\(user)", project: project)
    }
}
