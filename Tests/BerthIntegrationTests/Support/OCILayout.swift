import Foundation
import OCI

/// Writes an OCI image layout on disk (the format `skopeo copy oci:` reads):
/// real gzip-compressed tar layers, image configs with their diff ids,
/// manifests, and an index naming them.
struct OCILayout {
    let path: String
    private var entries: [[String: Any]] = []

    init(path: String) throws {
        self.path = path
        try FileManager.default.createDirectory(atPath: path + "/blobs/sha256", withIntermediateDirectories: true)
        try Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8).write(to: URL(fileURLWithPath: path + "/oci-layout"))
    }

    @discardableResult
    func write(_ bytes: [UInt8]) throws -> Digest {
        let digest = Content.digest(bytes)
        try Data(bytes).write(to: URL(fileURLWithPath: "\(path)/blobs/sha256/\(digest.hex)"))
        return digest
    }

    /// A layer: a tar of one file with `text`, gzip-compressed.
    /// Returns the compressed bytes and the diff id (digest of the tar).
    func layer(_ text: String) async throws -> (gzip: [UInt8], diffID: Digest) {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("layer-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: work + "/root", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        try Data(text.utf8).write(to: URL(fileURLWithPath: work + "/root/file.txt"))
        let made = try await runCommand(["sh", "-c", "cd '\(work)' && tar -C root -cf layer.tar . && gzip -n -c layer.tar > layer.tar.gz"])
        guard made.status == 0 else { throw TestFailure("tar failed: \(made.output)") }
        let tar = try [UInt8](Data(contentsOf: URL(fileURLWithPath: work + "/layer.tar")))
        let gzip = try [UInt8](Data(contentsOf: URL(fileURLWithPath: work + "/layer.tar.gz")))
        return (gzip, Content.digest(tar))
    }

    /// An image of `layerCount` layers for one platform; returns its manifest.
    func image(architecture: String, layerCount: Int) async throws -> [UInt8] {
        var layers: [[String: Any]] = []
        var diffIDs: [String] = []
        for index in 0..<layerCount {
            let (gzip, diffID) = try await layer("\(architecture) layer \(index) \(UUID().uuidString)")
            try write(gzip)
            layers.append(Content.descriptor("application/vnd.oci.image.layer.v1.tar+gzip", gzip))
            diffIDs.append(diffID.description)
        }
        let config = Content.json([
            "architecture": architecture, "os": "linux",
            "rootfs": ["type": "layers", "diff_ids": diffIDs],
            "config": ["Cmd": ["/bin/true"]],
        ])
        try write(config)
        let manifest = Content.json([
            "schemaVersion": 2, "mediaType": MediaType.ociManifest,
            "config": Content.descriptor("application/vnd.oci.image.config.v1+json", config),
            "layers": layers,
        ])
        try write(manifest)
        return manifest
    }

    /// Names a manifest (or index) in `index.json` under `name`.
    mutating func name(_ bytes: [UInt8], mediaType: String, as name: String) throws {
        var entry = Content.descriptor(mediaType, bytes)
        entry["annotations"] = ["org.opencontainers.image.ref.name": name]
        entries.append(entry)
        let index = Content.json(["schemaVersion": 2, "mediaType": MediaType.ociIndex, "manifests": entries])
        try Data(index).write(to: URL(fileURLWithPath: path + "/index.json"))
    }

    /// The digest `index.json` gives for `name`.
    static func digest(in path: String, named name: String) throws -> String? {
        let index = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path + "/index.json"))) as? [String: Any]
        let manifests = index?["manifests"] as? [[String: Any]] ?? []
        return manifests.first { ($0["annotations"] as? [String: String])?["org.opencontainers.image.ref.name"] == name }?["digest"] as? String
    }
}
