import Foundation
import NIOHTTP1
import OCI

/// Test content: random blobs and manifests that reference them.
enum Content {
    /// `count` random bytes, a few system calls for any size. (Drawing them
    /// a byte at a time took seconds per MiB in a debug build, on the
    /// cooperative threads that every in-process server of the suite needs:
    /// two tests doing it at once stalled the whole suite for a minute.)
    static func randomBytes(_ count: Int) -> [UInt8] {
        guard count > 0, let urandom = FileHandle(forReadingAtPath: "/dev/urandom") else { return [] }
        defer { try? urandom.close() }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        while bytes.count < count, let chunk = try? urandom.read(upToCount: count - bytes.count), !chunk.isEmpty { bytes += chunk }
        return bytes
    }

    static func digest(_ bytes: [UInt8], _ algorithm: DigestAlgorithm = .sha256) -> Digest {
        DigestHasher.digest(of: bytes, algorithm: algorithm)
    }

    static func json(_ object: Any) -> [UInt8] {
        Array(try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
    }

    static func descriptor(_ mediaType: String, _ bytes: [UInt8]) -> [String: Any] {
        ["mediaType": mediaType, "digest": digest(bytes).description, "size": bytes.count]
    }

    /// An OCI image manifest over `config` and `layers`, with optional extras.
    static func imageManifest(
        config: [UInt8], layers: [[UInt8]], configType: String = "application/vnd.oci.image.config.v1+json",
        mediaType: String? = MediaType.ociManifest, extra: [String: Any] = [:]
    ) -> [UInt8] {
        var object: [String: Any] = [
            "schemaVersion": 2,
            "config": descriptor(configType, config),
            "layers": layers.map { descriptor("application/vnd.oci.image.layer.v1.tar+gzip", $0) },
        ]
        if let mediaType { object["mediaType"] = mediaType }
        object.merge(extra) { $1 }
        return json(object)
    }

    static func index(_ manifests: [(bytes: [UInt8], platform: String)], mediaType: String = MediaType.ociIndex) -> [UInt8] {
        json([
            "schemaVersion": 2,
            "mediaType": mediaType,
            "manifests": manifests.map { m -> [String: Any] in
                var d = descriptor(MediaType.ociManifest, m.bytes)
                let parts = m.platform.split(separator: "/")
                d["platform"] = ["os": String(parts[0]), "architecture": String(parts[1])]
                return d
            },
        ])
    }
}

extension RegistryClient {
    /// Pushes a blob in one `POST ?digest=` and expects 201.
    @discardableResult
    func pushBlob(_ repository: String, _ bytes: [UInt8], headers: [(String, String)] = []) async throws -> Digest {
        let digest = Content.digest(bytes)
        let response = try await request(.POST, "/v2/\(repository)/blobs/uploads/?digest=\(digest)", headers: headers, body: bytes)
        guard response.status == 201 else { throw TestFailure("blob push answered \(response.status): \(response.text)") }
        return digest
    }

    /// Pushes a manifest and expects 201; returns its digest.
    @discardableResult
    func pushManifest(
        _ repository: String, _ reference: String, _ bytes: [UInt8], type: String = MediaType.ociManifest, headers: [(String, String)] = []
    ) async throws -> Digest {
        let response = try await request(
            .PUT, "/v2/\(repository)/manifests/\(reference)", headers: headers + [("Content-Type", type)], body: bytes)
        guard response.status == 201 else { throw TestFailure("manifest push answered \(response.status): \(response.text)") }
        return Content.digest(bytes)
    }

    /// Pushes a config, `layerCount` random layers and a manifest tagged `tag`.
    @discardableResult
    func pushImage(
        _ repository: String, tag: String, layerCount: Int = 2, headers: [(String, String)] = []
    ) async throws -> (manifest: [UInt8], digest: Digest) {
        let config = Content.json(["architecture": "amd64", "os": "linux", "nonce": UUID().uuidString])
        let layers = (0..<layerCount).map { _ in Content.randomBytes(1000) }
        try await pushBlob(repository, config, headers: headers)
        for layer in layers { try await pushBlob(repository, layer, headers: headers) }
        let manifest = Content.imageManifest(config: config, layers: layers)
        return (manifest, try await pushManifest(repository, tag, manifest, headers: headers))
    }

    /// Starts an upload session; returns its `Location` path.
    func startUpload(_ repository: String) async throws -> String {
        let response = try await request(.POST, "/v2/\(repository)/blobs/uploads/")
        guard response.status == 202, let location = response.header("Location") else {
            throw TestFailure("upload start answered \(response.status): \(response.text)")
        }
        return location
    }
}

/// Appends `query` to a location that may already have one.
func withQuery(_ location: String, _ query: String) -> String {
    location + (location.contains("?") ? "&" : "?") + query
}

extension String {
    /// Base64url to padded standard base64.
    var padded: String {
        var s = replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        return s
    }
}
