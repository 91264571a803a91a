import Foundation

/// The media types the registry gives meaning to. Any other type is stored
/// and served as it came (artifacts), but only these are parsed as manifests.
public enum MediaType {
    public static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
    public static let ociIndex = "application/vnd.oci.image.index.v1+json"
    public static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
    public static let dockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
    public static let dockerSchema1 = "application/vnd.docker.distribution.manifest.v1+json"
    public static let dockerSchema1Signed = "application/vnd.docker.distribution.manifest.v1+prettyjws"
    /// OCI 1.1's empty descriptor (`{}`), used as the config of artifacts.
    public static let ociEmpty = "application/vnd.oci.empty.v1+json"
    /// Layers that live elsewhere and are never uploaded to the registry.
    public static let foreignLayers: Set<String> = [
        "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
        "application/vnd.oci.image.layer.nondistributable.v1.tar",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
    ]

    public static let imageManifests: Set<String> = [ociManifest, dockerManifest]
    public static let indexes: Set<String> = [ociIndex, dockerManifestList]
    public static let manifests: Set<String> = imageManifests.union(indexes)

    /// The type without parameters or surrounding space: `a/b; charset=x` → `a/b`.
    public static func essence(_ contentType: String) -> String {
        let base = contentType.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
        return base.trimmingCharacters(in: .whitespaces).lowercased()
    }

    /// Whether a string has the `type/subtype` shape of RFC 6838.
    public static func isWellFormed(_ mediaType: String) -> Bool {
        let parts = mediaType.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, mediaType.utf8.count <= 255 else { return false }
        return parts.allSatisfy { part in
            !part.isEmpty && part.utf8.allSatisfy { c in
                RepositoryName.isAlphaNumeric(c) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
                    || "!#$&-^_.+".utf8.contains(c)
            }
        }
    }
}
