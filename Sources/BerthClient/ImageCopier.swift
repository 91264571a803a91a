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
        guard top.kind == .index, !allPlatforms else { return try await copy(top, to: destinationReference) }
        guard let child = top.manifests.first(where: { Self.matches($0.platform, platform) }) else {
            let offered = top.manifests.compactMap(\.platform).map { "\($0.os)/\($0.architecture)\($0.variant.map { "/" + $0 } ?? "")" }
            throw ClientError("\(reference) has no image for \(platform.os)/\(platform.architecture) (it has \(offered.joined(separator: ", "))); use --all for every platform")
        }
        return try await copy(try await source.manifest(child.digest.description), to: destinationReference)
    }

    /// Copies `manifest` (fetched from the source) with everything it needs
    /// as `destinationReference` (a tag, or its digest); returns the digest
    /// at the destination. With `platforms`, an index keeps only their
    /// images and is pushed narrowed to them (see `narrowed`).
    public func copy(_ manifest: Manifest, to destinationReference: String, keeping platforms: [Descriptor.Platform]? = nil) async throws -> Digest {
        let pushed = try platforms.flatMap { try Self.narrowed(manifest, keeping: $0) } ?? manifest
        var target = destinationReference
        if let named = try? Digest(parsing: destinationReference), named != pushed.digest {
            guard pushed.digest != manifest.digest, named == manifest.digest else {
                throw ClientError("the copy's digest is \(pushed.digest), not \(named)")
            }
            target = pushed.digest.description  // a narrowed index goes under its own digest
        }
        try await copyContents(of: pushed)
        try await destination.pushManifest(target, pushed)
        report(.manifest(pushed.digest, mediaType: pushed.mediaType))
        return pushed.digest
    }

    /// `index` with only its entries for `platforms`, everything else of its
    /// JSON as it was (so its digest is its own); nil when it is not an index
    /// or every entry is for them. Throws when no entry is.
    public static func narrowed(_ index: Manifest, keeping platforms: [Descriptor.Platform]) throws -> Manifest? {
        let kept = Set(index.manifests.filter { entry in platforms.contains { matches(entry.platform, $0) } }.map(\.digest))
        guard index.kind == .index, kept.count < Set(index.manifests.map(\.digest)).count else { return nil }
        guard !kept.isEmpty else { throw ClientError("the index \(index.digest) has an image for none of the platforms asked for") }
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
            _ = try await copy(try await source.manifest(referrer.digest.description), to: referrer.digest.description)
            copied += 1 + (try await copyReferrers(of: referrer.digest, depth: depth - 1))
        }
        return copied
    }

    /// Everything `manifest` needs at the destination before it can be
    /// pushed: its blobs, or (an index) its children, each pushed by digest.
    private func copyContents(of manifest: Manifest) async throws {
        guard manifest.kind == .index else { return try await copyBlobs(manifest.requiredBlobs) }
        for child in manifest.manifests {
            _ = try await copy(try await source.manifest(child.digest.description), to: child.digest.description)
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
