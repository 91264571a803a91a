import BerthMetadata
import BerthPolicies
import Foundation
import Logging
import OCI

/// A project's settings that are one JSON document each (tag rules,
/// signing): every member with a role reads them, ProjectAdmins replace
/// or remove them whole.
extension PolicyService {
    /// The setting as stored; 404 when the project has none.
    public func setting(_ name: ProjectSetting, of project: String, by requester: Requester) async throws -> String {
        try await permissions.check(.projectRole(.guest, in: project), requester)
        guard let value = try await settings.setting(name, of: project) else {
            throw RegistryError(.nameUnknown, "project \(project) has no \(name.rawValue) setting", status: 404)
        }
        return value
    }

    /// Stores `value` when `problem` (its validation) is nil, and returns it as stored.
    public func setSetting(
        _ name: ProjectSetting, to value: some Encodable, problem: String?, of project: String, by requester: Requester
    ) async throws -> String {
        let identity = try await permissions.check(.projectRole(.projectAdmin, in: project), requester)
        if let problem { throw RegistryError(.unsupported, problem, status: 400) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let text = String(decoding: try encoder.encode(value), as: UTF8.self)
        try await settings.setSetting(name, of: project, to: text)
        requester.logger.notice("project setting replaced", metadata: ["project": "\(project)", "setting": "\(name.rawValue)", "by": "\(identity)"])
        audit.record(requester, .changed, "projects/\(project)/\(name.rawValue)", project: project)
        return text
    }

    /// Removing a setting that is not there succeeds too.
    public func removeSetting(_ name: ProjectSetting, of project: String, by requester: Requester) async throws {
        try await permissions.check(.projectRole(.projectAdmin, in: project), requester)
        try await settings.setSetting(name, of: project, to: nil)
        audit.record(requester, .deleted, "projects/\(project)/\(name.rawValue)", project: project)
    }

    /// A system-wide setting (kept as the setting of the project with the
    /// empty name): read by anyone signed in, replaced by administrators.
    public func systemSetting(_ name: ProjectSetting, by requester: Requester) async throws -> String? {
        try await permissions.check(.signedIn, requester)
        return try await settings.setting(name, of: "")
    }

    public func setSystemSetting(_ name: ProjectSetting, to value: some Encodable, problem: String?, by requester: Requester) async throws -> String {
        let identity = try await permissions.check(.admin, requester)
        if let problem { throw RegistryError(.unsupported, problem, status: 400) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let text = String(decoding: try encoder.encode(value), as: UTF8.self)
        try await settings.setSetting(name, of: "", to: text)
        requester.logger.notice("system setting replaced", metadata: ["setting": "\(name.rawValue)", "by": "\(identity)"])
        audit.record(requester, .changed, "system/\(name.rawValue)")
        return text
    }
}
