import NIOCore
import OCI

/// One repository that copies read from and write to: on a registry
/// reached over HTTP (`RemoteRepository`), or this node's own stores
/// (replication, which needs no HTTP to itself).
public protocol CopyEndpoint: Sendable {
    /// The registry the repository is on: two endpoints on one registry can mount blobs.
    var registry: String { get }
    var repository: String { get }
    /// The manifest `reference` (a tag or a digest) names, checked against its digest.
    func manifest(_ reference: String) async throws -> Manifest
    /// The digest `reference` names now, or nil when there is none (a `HEAD` on a registry).
    func digest(of reference: String) async throws -> Digest?
    /// The blob's size when the repository has it, else nil.
    func blobSize(_ digest: Digest) async throws -> Int64?
    /// True when the blob was mounted from `source` on the same registry.
    func mountBlob(_ digest: Digest, from source: String) async throws -> Bool
    /// The blob's bytes from `offset`, checked against `descriptor` as they
    /// stream (from 0, their digest; past it, their count).
    func blob(_ descriptor: Descriptor, from offset: Int64) async throws -> ByteStream
    /// Stores `size` bytes of `digest`; `bytes(offset)` gives them from
    /// `offset` on, asked again to resume after a failure midway.
    func pushBlob(_ digest: Digest, size: Int64, bytes: @escaping @Sendable (Int64) async throws -> ByteStream) async throws
    /// Stores `manifest` under `reference` (a tag or its digest).
    func pushManifest(_ reference: String, _ manifest: Manifest) async throws
    /// The manifests whose subject is `digest` (signatures, SBOMs).
    func referrers(of digest: Digest) async throws -> [Descriptor]
}

/// A stream of a blob's bytes, whatever produced it.
public struct ByteStream: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    private let make: @Sendable () -> AsyncIterator

    public init<Base: AsyncSequence & Sendable>(_ base: Base) where Base.Element == ByteBuffer {
        make = {
            var iterator = base.makeAsyncIterator()
            return AsyncIterator { try await iterator.next() }
        }
    }

    /// The same bytes, telling `observer` how many pass, chunk by chunk.
    public func reporting(_ observer: @escaping @Sendable (Int) -> Void) -> ByteStream {
        inspecting { observer($0.readableBytes) }
    }

    /// The same bytes, each chunk shown to `inspect` (which may wait: a throttle) before it passes on.
    public func inspecting(_ inspect: @escaping @Sendable (ByteBuffer) async throws -> Void) -> ByteStream {
        let make = make
        return ByteStream(rebuilding: {
            var inner = make()
            return AsyncIterator {
                let chunk = try await inner.next()
                if let chunk { try await inspect(chunk) }
                return chunk
            }
        })
    }

    private init(rebuilding make: @escaping @Sendable () -> AsyncIterator) { self.make = make }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let pull: () async throws -> ByteBuffer?
        public mutating func next() async throws -> ByteBuffer? { try await pull() }
    }

    public func makeAsyncIterator() -> AsyncIterator { make() }
}

/// A repository on a registry, and the client that reaches it.
public struct RemoteRepository: CopyEndpoint {
    public let client: RegistryClient
    public let registry: String
    public let repository: String

    public init(client: RegistryClient, host: String, repository: String) {
        (self.client, self.registry, self.repository) = (client, host, repository)
    }

    public func manifest(_ reference: String) async throws -> Manifest {
        try await client.manifest(repository, reference, on: registry).manifest
    }
    public func digest(of reference: String) async throws -> Digest? {
        try await client.manifestDigest(repository, reference, on: registry)
    }
    public func blobSize(_ digest: Digest) async throws -> Int64? { try await client.blobSize(repository, digest, on: registry) }
    public func mountBlob(_ digest: Digest, from source: String) async throws -> Bool {
        try await client.mountBlob(repository, digest, from: source, on: registry)
    }
    public func blob(_ descriptor: Descriptor, from offset: Int64) async throws -> ByteStream {
        ByteStream(try await client.blob(repository, descriptor, on: registry, from: offset))
    }
    public func pushBlob(_ digest: Digest, size: Int64, bytes: @escaping @Sendable (Int64) async throws -> ByteStream) async throws {
        try await client.pushBlob(repository, digest, size: size, on: registry, bytes: bytes)
    }
    public func pushManifest(_ reference: String, _ manifest: Manifest) async throws {
        try await client.pushManifest(repository, reference, manifest, on: registry)
    }
    public func referrers(of digest: Digest) async throws -> [Descriptor] {
        try await client.referrers(repository, of: digest, on: registry)
    }
}
