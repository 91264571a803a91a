/// A project's settings that are one JSON document each (its tag rules,
/// its signing policy, …), stored and replaced whole. A new setting is a
/// new name, not a new table.
public protocol ProjectSettingStore: Sendable {
    /// The stored JSON, or nil when the project has none.
    func setting(_ name: ProjectSetting, of project: String) async throws -> String?
    /// Replaces the setting; nil removes it.
    func setSetting(_ name: ProjectSetting, of project: String, to value: String?) async throws
    /// The project was deleted, its settings with it: what remembers them forgets them.
    func projectDeleted(_ project: String)
}

extension ProjectSettingStore {
    public func projectDeleted(_ project: String) {}
}

/// The names of the settings. Each is also the path under
/// `/api/v1/projects/{p}/` where it is set.
public enum ProjectSetting: String, Sendable, CaseIterable {
    case tagRules = "tag-rules"
    case signing
    /// Scan on push, the vulnerability pull policy and its allowlist.
    case scanning
    /// A pull-through cache project's upstream (set by administrators only).
    case proxy
}
