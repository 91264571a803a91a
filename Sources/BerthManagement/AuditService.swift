import BerthMetadata
import OCI

/// Reading the audit log: all of it for administrators, a project's for
/// its ProjectAdmins.
public struct AuditService: Sendable {
    let store: any AuditStore
    let permissions: ManagementPermissions

    /// Entries matching `query`, newest first.
    public func entries(_ query: AuditQuery, by requester: Requester) async throws -> [AuditEntry] {
        try await permissions.checkReadsAudit(of: query.project, requester)
        return try await store.audit(query)
    }
}
