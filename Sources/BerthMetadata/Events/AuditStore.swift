import Foundation

/// Which audit entries to list: every filter given must match.
public struct AuditQuery: Sendable, Equatable {
    public var project: String?
    public var repository: String?
    public var actor: String?
    public var kind: String?
    public var since: Date?
    public var until: Date?
    /// Only entries older than this cursor (from a previous page).
    public var before: Int64?
    public var limit: Int

    public init(
        project: String? = nil, repository: String? = nil, actor: String? = nil, kind: String? = nil, since: Date? = nil,
        until: Date? = nil, before: Int64? = nil, limit: Int = 100
    ) {
        (self.project, self.repository, self.actor, self.kind) = (project, repository, actor, kind)
        (self.since, self.until, self.before, self.limit) = (since, until, before, limit)
    }
}

/// An audit entry as stored, with its position for paging.
public struct AuditEntry: Sendable, Equatable {
    public let cursor: Int64
    public let event: RegistryEvent
}

public protocol AuditStore: Sendable {
    /// Appends entries in one commit; an event already there (by id) is skipped.
    func appendAudit(_ events: [RegistryEvent]) async throws
    /// Newest first.
    func audit(_ query: AuditQuery) async throws -> [AuditEntry]
    /// Removes entries older than `date`; returns how many.
    func pruneAudit(olderThan date: Date) async throws -> Int
}
