import BerthAuth
import BerthMetadata
import BerthPolicies
import BerthRegistry
import Logging
import OCI

/// Projects: who may see, create, change and delete them, their quotas,
/// and (in `ProjectService+Members`) their members.
public struct ProjectService: Sendable {
    let authenticator: Authenticator
    /// For a project's storage bytes.
    let content: any MetadataStore
    let quotas: QuotaEnforcer
    let webhooks: WebhookNotifier
    /// Told when a project goes, so that no cached setting outlives it.
    let settings: any ProjectSettingStore
    let permissions: ManagementPermissions
    let audit: ChangeAudit

    /// A project with what it holds.
    public struct Detail: Sendable {
        public let project: Project
        /// Blob bytes in the project's repositories, each blob counted once.
        public let storageBytes: Int64
    }

    /// Fields left nil stay as they are.
    public struct Change: Sendable {
        public let isPublic: Bool?
        public let quota: QuotaChange

        public init(isPublic: Bool?, quota: QuotaChange) {
            self.isPublic = isPublic
            self.quota = quota
        }
    }

    public enum QuotaChange: Sendable, Equatable {
        case unchanged
        case unlimited
        case bytes(Int64)
    }

    var accounts: any AccountStore { authenticator.accounts }

    /// Projects the requester can see: public ones, their own, all for admins.
    public func visibleProjects(by requester: Requester) async throws -> [Project] {
        let identity = try await permissions.check(.signedIn, requester)
        var visible: [Project] = []
        for project in try await accounts.projects() {
            if try await permissions.canSee(project, identity) { visible.append(project) }
        }
        return visible
    }

    /// A project the requester cannot see answers as a missing one.
    public func detail(of name: String, by requester: Requester) async throws -> Detail {
        try await detail(of: try await permissions.visibleProject(name, requester))
    }

    public func create(_ name: String, isPublic: Bool, by requester: Requester) async throws -> Project {
        let identity = try await permissions.checkCreatesProjects(requester)
        try AccountNames.validate(name, what: "project")
        let project = Project(name: name, isPublic: isPublic)
        do {
            try await accounts.createProject(project)
        } catch AccountStoreError.exists {
            throw RegistryError(.unsupported, "project \(name) exists", status: 409)
        }
        // Whoever creates a project administers it.
        if let user = identity.name, !identity.isAdmin {
            try await accounts.setMember(user, of: name, role: .projectAdmin)
        }
        requester.logger.notice("project created", metadata: ["project": "\(name)", "by": "\(identity)"])
        audit.record(requester, .created, "projects/\(name)", project: name)
        return project
    }

    public func update(_ name: String, _ change: Change, by requester: Requester) async throws -> Detail {
        let identity = try await permissions.checkChangesProject(name, settingQuota: change.quota != .unchanged, requester)
        if case .bytes(let bytes) = change.quota, bytes < 0 {
            throw RegistryError(.unsupported, "quota_bytes must not be negative", status: 400)
        }
        if let visibility = change.isPublic {
            _ = try await accounts.setProjectVisibility(name, public: visibility)
            requester.logger.notice(
                "project visibility changed", metadata: ["project": "\(name)", "public": "\(visibility)", "by": "\(identity)"])
        }
        switch change.quota {
        case .unchanged: break
        case .unlimited, .bytes:
            let bytes: Int64? = if case .bytes(let b) = change.quota { b } else { nil }
            _ = try await accounts.setProjectQuota(name, bytes: bytes)
            quotas.forget(name)
            requester.logger.notice(
                "project quota changed",
                metadata: ["project": "\(name)", "bytes": "\(bytes.map(String.init) ?? "unlimited")", "by": "\(identity)"])
        }
        guard let project = try await accounts.project(named: name) else { throw RegistryError.projectUnknown(name) }
        audit.record(requester, .changed, "projects/\(name)", project: name)
        return try await detail(of: project)
    }

    /// Only an empty project can be deleted: its images would otherwise
    /// become unreachable by any policy.
    public func delete(_ name: String, by requester: Requester) async throws {
        try await permissions.check(.projectRole(.projectAdmin, in: name), requester)
        do {
            _ = try await accounts.deleteProject(named: name)
        } catch AccountStoreError.projectNotEmpty(let repository) {
            throw RegistryError(
                .denied, "project \(name) still holds artifacts (in \(repository) first): delete them first", status: 409,
                detail: ["repository": repository])
        }
        // What this node remembers of the project goes too.
        webhooks.forget(name)
        quotas.forget(name)
        settings.projectDeleted(name)
        authenticator.forgetVerifiedCredentials()
        audit.record(requester, .deleted, "projects/\(name)", project: name)
    }

    private func detail(of project: Project) async throws -> Detail {
        Detail(project: project, storageBytes: try await content.projectBytes(project.name))
    }
}
