import Synchronization

/// Project settings remembered, since the push and pull policies read them
/// on every request: writes through this decorator drop what they change,
/// and on a shared database the other nodes' writes are dropped when the
/// database announces them (`ContentChange.setting`), with the same rule as
/// the pull cache: while those announcements do not arrive, every read goes
/// to the database.
public final class CachedProjectSettings: ProjectSettingStore, FollowsChanges {
    private let base: any ProjectSettingStore
    private let trusted: Atomic<Bool>
    private let values = CacheMap<Key, Entry>(maxEntries: 10_000)

    private struct Key: Hashable {
        let project: String
        let name: String
    }

    /// An absent setting is remembered too: most projects have none.
    private struct Entry {
        let value: String?
    }

    public init(_ base: any ProjectSettingStore, shared: Bool) {
        self.base = base
        trusted = Atomic(!shared)
    }

    public func setting(_ name: ProjectSetting, of project: String) async throws -> String? {
        guard trusted.load(ordering: .acquiring) else { return try await base.setting(name, of: project) }
        let key = Key(project: project, name: name.rawValue)
        if let entry = values[key] { return entry.value }
        let generation = values.generation
        let value = try await base.setting(name, of: project)
        values.remember(key, Entry(value: value), ifStill: generation)
        return value
    }

    public func setSetting(_ name: ProjectSetting, of project: String, to value: String?) async throws {
        defer { values.forget(Key(project: project, name: name.rawValue)) }
        try await base.setSetting(name, of: project, to: value)
    }

    public func projectDeleted(_ project: String) {
        values.forget { $0.project == project }
    }

    public func changed(_ change: ContentChange) {
        switch change {
        case .setting(let project, let name): values.forget(Key(project: project, name: name))
        case .unknown: values.forget { _ in true }
        case .tag, .manifest, .blobLink, .relation: break
        }
    }

    public func following() {
        values.forget { _ in true }
        trusted.store(true, ordering: .releasing)
    }

    public func lostTrack() {
        trusted.store(false, ordering: .releasing)
        values.forget { _ in true }
    }
}

/// A node's memory of shared state, kept true by the database's
/// announcements of other nodes' changes (see `CacheFollower` of BerthServer).
public protocol FollowsChanges: Sendable {
    /// Drops what `change` made wrong.
    func changed(_ change: ContentChange)
    /// Announcements reach this node (again): start over, and trust memory.
    func following()
    /// Announcements no longer reach this node: read the database until `following()`.
    func lostTrack()
}
