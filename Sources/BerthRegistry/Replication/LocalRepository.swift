import BerthClient
import BerthMetadata
import BerthStorage
import NIOCore
import OCI

/// A repository of this node, as replication copies from and to it: through
/// the content service (pull and push policies apply, as to any client)
/// and the upload service, with no HTTP to itself.
struct LocalRepository: CopyEndpoint {
    let content: any RegistryContent
    let uploads: UploadService
    let name: RepositoryName
    /// Who the pushes are recorded as (`replication:<rule>`).
    let actor: Actor

    /// No other registry's name: a host has a dot or a port.
    var registry: String { "this registry" }
    var repository: String { name.value }

    func manifest(_ reference: String) async throws -> Manifest {
        let stored = try await content.manifest(name, try Reference(parsing: reference))
        return try Manifest(parsing: Array(stored.content), contentType: stored.mediaType, algorithm: stored.digest.algorithm)
    }

    func digest(of reference: String) async throws -> Digest? {
        do {
            return try await content.manifest(name, try Reference(parsing: reference)).digest
        } catch let error as RegistryError where error.code == .manifestUnknown || error.code == .nameUnknown {
            return nil
        }
    }

    func blobSize(_ digest: Digest) async throws -> Int64? {
        do {
            return try await content.readableBlob(name, digest).size
        } catch let error as RegistryError where error.code == .blobUnknown {
            return nil
        }
    }

    func mountBlob(_ digest: Digest, from source: String) async throws -> Bool {
        try await content.mountBlob(name, digest, from: try RepositoryName(parsing: source))
    }

    func blob(_ descriptor: Descriptor, from offset: Int64) async throws -> ByteStream {
        let blob = try await content.readableBlob(name, descriptor.digest)
        guard blob.size == descriptor.size else {
            throw ClientError("\(name)@\(descriptor.digest) is \(blob.size) bytes here, not the \(descriptor.size) its manifest says")
        }
        let range = offset > 0 ? ByteRange(start: offset, end: blob.size) : nil
        return ByteStream(try await content.read(blob, range: range))
    }

    /// In-process: no connection to drop, so nothing to resume.
    func pushBlob(_ digest: Digest, size: Int64, bytes: @escaping @Sendable (Int64) async throws -> ByteStream) async throws {
        _ = try await uploads.uploadMonolithic(name, digest: digest, length: size, body: try await bytes(0))
    }

    func pushManifest(_ reference: String, _ manifest: Manifest) async throws {
        _ = try await content.putManifest(name, try Reference(parsing: reference), bytes: manifest.bytes, contentType: manifest.mediaType, by: actor)
    }

    func referrers(of digest: Digest) async throws -> [Descriptor] {
        var all: [Descriptor] = []
        var last: String?
        while all.count < 10_000 {
            let page = try await content.referrers(name, digest, artifactType: nil, after: last, limit: 1000)
            all += page.descriptors
            guard page.hasMore, let next = page.descriptors.last?.digest.description else { break }
            last = next
        }
        return all
    }
}
