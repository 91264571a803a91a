import NIOCore
import OCI
import Synchronization

/// A bandwidth limit shared by the streams that pay into it: each chunk
/// waits until the bytes before it fit the rate (a burst of up to one
/// second's worth passes at once).
public final class Throttle: Sendable {
    let bytesPerSecond: Double
    /// When the bytes paid so far are due.
    private let due = Mutex<ContinuousClock.Instant>(.now)

    public init(bytesPerSecond: Int) {
        self.bytesPerSecond = Double(max(1, bytesPerSecond))
    }

    func pay(_ bytes: Int) async throws {
        let wait = due.withLock { due -> Duration in
            let now = ContinuousClock.now
            due = max(due, now - .seconds(1)) + .seconds(Double(bytes) / bytesPerSecond)
            return due - now
        }
        if wait > .zero { try await Task.sleep(for: wait) }
    }
}

extension ByteStream {
    /// The same bytes, no faster than `throttle` allows.
    public func throttled(by throttle: Throttle) -> ByteStream {
        inspecting { try await throttle.pay($0.readableBytes) }
    }
}

/// An endpoint whose blobs are read no faster than a throttle allows (a replication rule's bandwidth limit).
public struct ThrottledEndpoint: CopyEndpoint {
    let base: any CopyEndpoint
    let throttle: Throttle

    public init(_ base: any CopyEndpoint, throttle: Throttle) { (self.base, self.throttle) = (base, throttle) }

    public var registry: String { base.registry }
    public var repository: String { base.repository }
    public func manifest(_ reference: String) async throws -> Manifest { try await base.manifest(reference) }
    public func digest(of reference: String) async throws -> Digest? { try await base.digest(of: reference) }
    public func blobSize(_ digest: Digest) async throws -> Int64? { try await base.blobSize(digest) }
    public func mountBlob(_ digest: Digest, from source: String) async throws -> Bool { try await base.mountBlob(digest, from: source) }
    public func blob(_ descriptor: Descriptor, from offset: Int64) async throws -> ByteStream {
        try await base.blob(descriptor, from: offset).throttled(by: throttle)
    }
    public func pushBlob(_ digest: Digest, size: Int64, bytes: @escaping @Sendable (Int64) async throws -> ByteStream) async throws {
        try await base.pushBlob(digest, size: size, bytes: bytes)
    }
    public func pushManifest(_ reference: String, _ manifest: Manifest) async throws { try await base.pushManifest(reference, manifest) }
    public func referrers(of digest: Digest) async throws -> [Descriptor] { try await base.referrers(of: digest) }
}
