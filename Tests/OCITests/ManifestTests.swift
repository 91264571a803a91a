import Foundation
import OCI
import Testing

@Suite("Manifest parsing")
struct ManifestParsingTests {
    static let config = "sha256:" + String(repeating: "1", count: 64)
    static let layer = "sha256:" + String(repeating: "2", count: 64)

    static func json(_ object: [String: Any]) -> [UInt8] {
        Array(try! JSONSerialization.data(withJSONObject: object))
    }

    static var image: [String: Any] {
        [
            "schemaVersion": 2, "mediaType": MediaType.ociManifest,
            "config": ["mediaType": "application/vnd.oci.image.config.v1+json", "digest": config, "size": 10],
            "layers": [["mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer, "size": 20]],
        ]
    }

    @Test func imageManifest() throws {
        let bytes = Self.json(Self.image)
        let manifest = try Manifest(parsing: bytes, contentType: MediaType.ociManifest)
        #expect(manifest.kind == .image)
        #expect(manifest.mediaType == MediaType.ociManifest)
        #expect(manifest.digest == DigestHasher.digest(of: bytes))
        #expect(manifest.requiredBlobs.map(\.digest.description) == [Self.config, Self.layer])
        #expect(manifest.artifactType == "application/vnd.oci.image.config.v1+json")
        #expect(manifest.subject == nil)
    }

    @Test func mediaTypeComesFromBodyOrHeaderOrShape() throws {
        var noType = Self.image
        noType["mediaType"] = nil
        #expect(try Manifest(parsing: Self.json(noType), contentType: MediaType.ociManifest).mediaType == MediaType.ociManifest)
        #expect(try Manifest(parsing: Self.json(noType), contentType: nil).mediaType == MediaType.ociManifest)
        #expect(try Manifest(parsing: Self.json(noType), contentType: "application/json").kind == .image)
        #expect(throws: RegistryError.self) { try Manifest(parsing: Self.json(Self.image), contentType: MediaType.dockerManifest) }
        // Docker schema 2 types must be in the body.
        #expect(throws: RegistryError.self) { try Manifest(parsing: Self.json(noType), contentType: MediaType.dockerManifest) }
    }

    @Test func artifactsAndSubjects() throws {
        var artifact = Self.image
        artifact["artifactType"] = "application/vnd.example.sbom"
        artifact["subject"] = ["mediaType": MediaType.ociManifest, "digest": Self.layer, "size": 5]
        artifact["annotations"] = ["a": "b"]
        let manifest = try Manifest(parsing: Self.json(artifact), contentType: MediaType.ociManifest)
        #expect(manifest.artifactType == "application/vnd.example.sbom")
        #expect(manifest.subject?.digest.description == Self.layer)
        #expect(manifest.annotations == ["a": "b"])
        artifact["artifactType"] = "not a media type"
        #expect(throws: RegistryError.self) { try Manifest(parsing: Self.json(artifact), contentType: nil) }
    }

    @Test func foreignLayersAreNotRequired() throws {
        var image = Self.image
        image["layers"] = [["mediaType": "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", "digest": Self.layer, "size": 3, "urls": ["https://example.invalid/x"]]]
        #expect(try Manifest(parsing: Self.json(image), contentType: nil).requiredBlobs.count == 1)
    }

    @Test func indexes() throws {
        let index = Self.json([
            "schemaVersion": 2, "mediaType": MediaType.ociIndex,
            "manifests": [["mediaType": MediaType.ociManifest, "digest": Self.layer, "size": 300, "platform": ["os": "linux", "architecture": "arm64"]]],
        ])
        let manifest = try Manifest(parsing: index, contentType: MediaType.ociIndex)
        #expect(manifest.kind == .index)
        #expect(manifest.manifests.first?.platform?.architecture == "arm64")
        #expect(manifest.requiredBlobs.isEmpty)
        var mixed = Self.image
        mixed["manifests"] = []
        #expect(throws: RegistryError.self) { try Manifest(parsing: Self.json(mixed), contentType: nil) }
    }

    @Test func refusals() {
        let cases: [[UInt8]] = [
            Array("".utf8), Array("[]".utf8), Array("null".utf8), Array("{}".utf8),
            Self.json(["schemaVersion": 1, "fsLayers": []]),
            Self.json(["schemaVersion": 3, "config": Self.image["config"]!, "layers": []]),
            Self.json(["schemaVersion": 2, "mediaType": "application/x-unknown"]),
            Self.json(["schemaVersion": "2"]),
        ]
        for bytes in cases {
            #expect(throws: RegistryError.self, "\(String(decoding: bytes, as: UTF8.self))") {
                try Manifest(parsing: bytes, contentType: nil)
            }
        }
        #expect(throws: RegistryError(.sizeInvalid, "manifest exceeds \(Manifest.maxSize) bytes", status: 413)) {
            try Manifest(parsing: [UInt8](repeating: 32, count: Manifest.maxSize + 1), contentType: nil)
        }
    }
}
