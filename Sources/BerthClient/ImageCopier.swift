import Foundation
import OCI
import Synchronization

/// Copies an image, or an index with its images, from one repository to
/// another, on the same registry or another, keeping every digest: blobs
/// first (skipped when the destination has them, mounted when both
/// repositories are on one registry, else streamed through, checked as
/// they pass), then the manifests, children before the index that names them.
public final class ImageCopier: Sendable {
    /// A repository on a registry, and the client that reaches it.
    public struct Endpoint: Sendable {
        public let client: RegistryClient
        public let host: String
        public let repository: String
        public init(client: RegistryClient, host: String, repository: String) {
            (self.client, self.host, self.repository) = (client, host, repository)
        }
    }

    /// What happened to each blob and manifest, and bytes as they move.
    public enum Event: Sendable {
        case blobStarted(Digest, size: Int64)
        case blobBytes(Int)
        case blob(Digest, size: Int64, BlobOutcome)
        case manifest(Digest, mediaType: String)
    }

    public enum BlobOutcome: String, Sendable { case copied, mounted, present }

    let source: Endpoint
    let destination: Endpoint
    /// Blobs moving at once.
    let parallelBlobs: Int
    let report: @Sendable (Event) -> Void
    /// Blobs copied (or found) already in this copy: an index's images share layers.
    private let done = Mutex<Set<Digest>>([])

    public init(from source: Endpoint, to destination: Endpoint, parallelBlobs: Int = 4, report: @escaping @Sendable (Event) -> Void = { _ in }) {
        self.source = source
        self.destination = destination
        self.parallelBlobs = max(1, parallelBlobs)
        self.report = report
    }

    /// Copies what `reference` (a tag or digest) names to `destinationReference`
    /// (a tag, or the digest). An index is copied whole with `allPlatforms`;
    /// otherwise only its image for `platform` is, and that image's digest is returned.
    public func copy(_ reference: String, to destinationReference: String, allPlatforms: Bool, platform: Descriptor.Platform) async throws -> Digest {
        let top = try await source.client.manifest(source.repository, reference, on: source.host)
        var chosen = top.manifest
        if top.manifest.kind == .index, !allPlatforms {
            guard let child = top.manifest.manifests.first(where: { Self.matches($0.platform, platform) }) else {
                let offered = top.manifest.manifests.compactMap(\.platform).map { "\($0.os)/\($0.architecture)\($0.variant.map { "/" + $0 } ?? "")" }
                throw ClientError("\(reference) has no image for \(platform.os)/\(platform.architecture) (it has \(offered.joined(separator: ", "))); use --all for every platform")
            }
            chosen = try await source.client.manifest(source.repository, child.digest.description, on: source.host).manifest
        }
        try await copyContents(of: chosen)
        if let named = try? Digest(parsing: destinationReference), named != chosen.digest {
            throw ClientError("the copy's digest is \(chosen.digest), not \(named)")
        }
        try await destination.client.pushManifest(destination.repository, destinationReference, chosen, on: destination.host)
        report(.manifest(chosen.digest, mediaType: chosen.mediaType))
        return chosen.digest
    }

    /// Everything `manifest` needs at the destination before it can be
    /// pushed: its blobs, or (an index) its children, each pushed by digest.
    private func copyContents(of manifest: Manifest) async throws {
        guard manifest.kind == .index else { return try await copyBlobs(manifest.requiredBlobs) }
        for child in manifest.manifests {
            let fetched = try await source.client.manifest(source.repository, child.digest.description, on: source.host).manifest
            try await copyContents(of: fetched)
            try await destination.client.pushManifest(destination.repository, child.digest.description, fetched, on: destination.host)
            report(.manifest(fetched.digest, mediaType: fetched.mediaType))
        }
    }

    private func copyBlobs(_ blobs: [Descriptor]) async throws {
        let pending = blobs.filter { blob in done.withLock { $0.insert(blob.digest).inserted } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            var started = 0
            for blob in pending {
                if started >= parallelBlobs { try await group.next() }
                group.addTask { try await self.copyBlob(blob) }
                started += 1
            }
            try await group.waitForAll()
        }
    }

    private func copyBlob(_ blob: Descriptor) async throws {
        let (from, to) = (source, destination)
        if try await to.client.blobSize(to.repository, blob.digest, on: to.host) != nil {
            return report(.blob(blob.digest, size: blob.size, .present))
        }
        // On one registry the destination's credentials may read the source too: then it mounts.
        if from.host == to.host,
           try await to.client.mountBlob(to.repository, blob.digest, from: from.repository, on: to.host)
        {
            return report(.blob(blob.digest, size: blob.size, .mounted))
        }
        report(.blobStarted(blob.digest, size: blob.size))
        let report = report
        let bytes = try await from.client.blob(from.repository, blob, on: from.host).reporting { report(.blobBytes($0)) }
        try await to.client.pushBlob(to.repository, blob.digest, size: blob.size, bytes: bytes, on: to.host)
        report(.blob(blob.digest, size: blob.size, .copied))
    }

    /// An index entry's platform against the one wanted (a variant only when both name one).
    static func matches(_ offered: Descriptor.Platform?, _ wanted: Descriptor.Platform) -> Bool {
        guard let offered, offered.os == wanted.os, offered.architecture == wanted.architecture else { return false }
        guard let variant = wanted.variant, let other = offered.variant else { return true }
        return variant == other
    }

    /// This machine's platform, as image indexes name it.
    public static var hostPlatform: Descriptor.Platform {
        #if arch(arm64)
        Descriptor.Platform(architecture: "arm64", os: "linux")
        #else
        Descriptor.Platform(architecture: "amd64", os: "linux")
        #endif
    }
}
