import Foundation

/// What an image's config tells a person (OCI image spec, "config"):
/// platform, how it starts, its environment and labels, and its history.
public struct ImageConfig: Sendable {
    public struct Step: Sendable {
        public let createdBy: String
        public let emptyLayer: Bool
    }

    public struct Label: Sendable {
        public let name: String
        public let value: String
    }

    public let os: String?
    public let architecture: String?
    public let variant: String?
    public let created: String?
    public let entrypoint: [String]
    public let command: [String]
    public let workingDirectory: String?
    public let user: String?
    public let environment: [String]
    public let labels: [Label]
    public let history: [Step]

    /// nil unless the bytes are a JSON object.
    init?(json bytes: [UInt8]) {
        guard let root = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else { return nil }
        let config = root["config"] as? [String: Any] ?? [:]
        os = root["os"] as? String
        architecture = root["architecture"] as? String
        variant = root["variant"] as? String
        created = root["created"] as? String
        entrypoint = config["Entrypoint"] as? [String] ?? []
        command = config["Cmd"] as? [String] ?? []
        workingDirectory = (config["WorkingDir"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        user = (config["User"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        environment = config["Env"] as? [String] ?? []
        labels = (config["Labels"] as? [String: String] ?? [:]).sorted { $0.key < $1.key }.map { Label(name: $0.key, value: $0.value) }
        history = (root["history"] as? [[String: Any]] ?? []).map {
            Step(createdBy: $0["created_by"] as? String ?? "", emptyLayer: $0["empty_layer"] as? Bool ?? false)
        }
    }
}
