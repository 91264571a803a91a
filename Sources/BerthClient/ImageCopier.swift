import Foundation
import OCI
import Synchronization

/// Copies an image, or an index with its images, from one repository to
/// another, on the same registry or another, keeping every digest: blobs
/// first (skipped when the destination has them, mounted when both
/// repositories are on one registry, else streamed through, checked as
/// they pass), then the manifests, children before the index that names them.
public final class ImageCopier: Sendable {
    /// What happened to each blob and manifest, and bytes as they move.
    public enum Event: Sendable {
        case blobStarted(Digest, size: Int64)
        case blobBytes(Int)
        case blob(Digest, size: Int64, BlobOutcome)
        case manifest(Digest, mediaType: String)
    }

    public enum BlobOutcome: String, Sendable { case copied, mounted, present }

    let source: any CopyEndpoint
    let destination: any CopyEndpoint
    /// Blobs moving at once.
    let parallelBlobs: Int
    let report: @Sendable (Event) -> Void
    /// Blobs copied (or found) already in this copy: an index's images share layers.
    private let done = Mutex<Set<Digest>>([])

    public init(from source: any CopyEndpoint, to destination: any CopyEndpoint, parallelBlobs: Int = 4, report: @escaping @Sendable (Event) -> Void = { _ in }) {
        self.source = source
        self.destination = destination
        self.parallelBlobs = max(1, parallelBlobs)
        self.report = report
    }

    /// Copies what `reference` (a tag or digest) names to `destinationReference`
    /// (a tag, or the digest). An index is copied whole with `allPlatforms`;
    /// otherwise only its image for `platform` is, and that image's digest is returned.
    public func copy(_ reference: String, to destinationReference: String, allPlatforms: Bool, platform: Descriptor.Platform) async throws -> Digest {
        let top = try await source.manifest(reference)
        var chosen = top
        if top.kind == .index, !allPlatforms {
            guard let child = top.manifests.first(where: { Self.matches($0.platform, platform) }) else {
                let offered = top.manifests.compactMap(\.platform).map { "\($0.os)/\($0.architecture)\($0.variant.map { "/" + $0 } ?? "")" }
                throw ClientError("\(reference) has no image for \(platform.os)/\(platform.architecture) (it has \(offered.joined(separator: ", "))); use --all for every platform")
            }
            chosen = try await source.manifest(child.digest.description)
        }
        try await copyContents(of: chosen)
        if let named = try? Digest(parsing: destinationReference), named != chosen.digest {
            throw ClientError("the copy's digest is \(chosen.digest), not \(named)")
        }
        try await destination.pushManifest(destinationReference, chosen)
        report(.manifest(chosen.digest, mediaType: chosen.mediaType))
        return chosen.digest
    }

    /// Copies an index with only its images for `platforms` (and the same
    /// way an image): the index pushed is the original less the other
    /// entries, so its digest changes unless every entry was kept; returns
    /// the digest at the destination. Throws when no entry is for them.
    public func copy(_ reference: String, to destinationReference: String, keeping platforms: [Descriptor.Platform]) async throws -> Digest {
        let top = try await source.manifest(reference)
        let kept = top.manifests.filter { entry in platforms.contains { Self.matches(entry.platform, $0) } }
        guard top.kind == .index, kept.count < top.manifests.count else {
            return try await copy(reference, to: destinationReference, allPlatforms: true, platform: Self.hostPlatform)
        }
        guard !kept.isEmpty else { throw ClientError("\(reference) has an image for none of the platforms asked for") }
        let narrowed = try Self.narrowed(top, to: Set(kept.map(\.digest)))
        for child in kept {
            let fetched = try await source.manifest(child.digest.description)
            try await copyContents(of: fetched)
            try await destination.pushManifest(child.digest.description, fetched)
            report(.manifest(fetched.digest, mediaType: fetched.mediaType))
        }
        let target = (try? Digest(parsing: destinationReference)) == nil ? destinationReference : narrowed.digest.description
        try await destination.pushManifest(target, narrowed)
        report(.manifest(narrowed.digest, mediaType: narrowed.mediaType))
        return narrowed.digest
    }

    /// `index` with only the entries whose digests are `kept`, everything else of its JSON as it was.
    public static func narrowed(_ index: Manifest, to kept: Set<Digest>) throws -> Manifest {
        guard var document = try JSONSerialization.jsonObject(with: Data(index.bytes)) as? [String: Any],
              let entries = document["manifests"] as? [[String: Any]]
        else { throw ClientError("the index \(index.digest) is not a JSON object with manifests") }
        document["manifests"] = entries.filter { entry in
            (entry["digest"] as? String).flatMap { try? Digest(parsing: $0) }.map(kept.contains) ?? false
        }
        let bytes = try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])
        do {
            return try Manifest(parsing: Array(bytes), contentType: index.mediaType, algorithm: index.digest.algorithm)
        } catch {
            throw ClientError("the narrowed index is not valid: \(error.message)")
        }
    }

    /// Copies what refers to `subject` (signatures, SBOMs, attestations),
    /// and what refers to those, `depth` levels down; returns how many.
    /// Call it once the subject is at the destination.
    public func copyReferrers(of subject: Digest, depth: Int = 3) async throws -> Int {
        guard depth > 0 else { return 0 }
        var copied = 0
        for referrer in try await source.referrers(of: subject) {
            let manifest = try await source.manifest(referrer.digest.description)
            try await copyContents(of: manifest)
            try await destination.pushManifest(referrer.digest.description, manifest)
            report(.manifest(manifest.digest, mediaType: manifest.mediaType))
            copied += 1 + (try await copyReferrers(of: referrer.digest, depth: depth - 1))
        }
        return copied
    }

    /// Everything `manifest` needs at the destination before it can be
    /// pushed: its blobs, or (an index) its children, each pushed by digest.
    private func copyContents(of manifest: Manifest) async throws {
        guard manifest.kind == .index else { return try await copyBlobs(manifest.requiredBlobs) }
        for child in manifest.manifests {
            let fetched = try await source.manifest(child.digest.description)
            try await copyContents(of: fetched)
            try await destination.pushManifest(child.digest.description, fetched)
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
        if try await to.blobSize(blob.digest) != nil {
            return report(.blob(blob.digest, size: blob.size, .present))
        }
        // On one registry the destination's credentials may read the source too: then it mounts.
        if from.registry == to.registry, try await to.mountBlob(blob.digest, from: from.repository) {
            return report(.blob(blob.digest, size: blob.size, .mounted))
        }
        report(.blobStarted(blob.digest, size: blob.size))
        let report = report
        try await to.pushBlob(blob.digest, size: blob.size) { offset in
            try await from.blob(blob, from: offset).reporting { report(.blobBytes($0)) }
        }
        report(.blob(blob.digest, size: blob.size, .copied))
    }

    /// An index entry's platform against the one wanted (a variant only when both name one).
    public static func matches(_ offered: Descriptor.Platform?, _ wanted: Descriptor.Platform) -> Bool {
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
