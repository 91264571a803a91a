import BerthClient
import BerthMetadata
import BerthPolicies
import Foundation
import NIOCore
import OCI

/// A rule's filters over what an artifact is, not what it is called: its
/// type, and its labels (an image config's `Labels` with the manifest's
/// annotations). An index has the labels of each of its images, with its
/// own annotations: it matches when one image carries every wanted label,
/// and is left out when one carries an excluded one.
struct ArtifactFilter: Sendable {
    let types: [Glob]?
    let excludedTypes: [Glob]
    let labels: [LabelCondition]
    let excludedLabels: [LabelCondition]

    /// The most images of an index whose configs are read for their labels.
    static let imagesRead = 64
    /// Configs past this size are not read for labels (an image config is a few KiB).
    static let largestConfig: Int64 = 1 << 20

    init(_ rule: ReplicationRule) {
        types = rule.artifactTypes.map { $0.compactMap(Glob.init) }
        excludedTypes = (rule.excludeArtifactTypes ?? []).compactMap(Glob.init)
        labels = (rule.labels ?? []).compactMap(LabelCondition.init)
        excludedLabels = (rule.excludeLabels ?? []).compactMap(LabelCondition.init)
    }

    var isEmpty: Bool { types == nil && excludedTypes.isEmpty && labels.isEmpty && excludedLabels.isEmpty }

    /// The artifact type the filters see: `artifactType`, else the config's media type, else an index's media type.
    static func type(of manifest: Manifest) -> String { manifest.artifactType ?? manifest.mediaType }

    /// Why `manifest` (read from `source`) is left out, or nil when it passes.
    func refusal(_ manifest: Manifest, from source: any CopyEndpoint) async throws -> String? {
        let type = Self.type(of: manifest)
        if let types, !types.contains(where: { $0.matches(type) }) { return "its artifact type \(type) is not among the rule's" }
        if excludedTypes.contains(where: { $0.matches(type) }) { return "its artifact type \(type) is excluded" }
        guard !labels.isEmpty || !excludedLabels.isEmpty else { return nil }
        let own = manifest.annotations ?? [:]
        var sets: [[String: String]] = []
        if manifest.kind == .index {
            for child in manifest.manifests.prefix(Self.imagesRead) {
                let image = try await source.manifest(child.digest.description)
                sets.append(try await Self.labels(of: image, from: source).merging(own) { $1 })
            }
        } else {
            sets.append(try await Self.labels(of: manifest, from: source))
        }
        if let excluded = excludedLabels.first(where: { condition in sets.contains { condition.holds(for: $0) } }) {
            return "it carries the excluded label \(excluded.key)"
        }
        if !labels.isEmpty, !sets.contains(where: { set in labels.allSatisfy { $0.holds(for: set) } }) {
            return "it lacks the rule's labels"
        }
        return nil
    }

    /// An image's config labels with its annotations (a config that is not an image config has none).
    static func labels(of image: Manifest, from source: any CopyEndpoint) async throws -> [String: String] {
        var labels = image.annotations ?? [:]
        guard let config = image.config, config.size <= largestConfig, config.mediaType.hasSuffix("json") else { return labels }
        var bytes: [UInt8] = []
        for try await chunk in try await source.blob(config, from: 0) { bytes += chunk.readableBytesView }
        struct Config: Decodable {
            struct Inner: Decodable { let Labels: [String: String]? }
            let config: Inner?
        }
        if let found = (try? JSONDecoder().decode(Config.self, from: Data(bytes)))?.config?.Labels {
            labels.merge(found) { own, _ in own }
        }
        return labels
    }
}
