import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OCI

/// Manifests and blobs, fetched and pushed. What comes from a registry is
/// checked against its digest: a manifest before it is returned, a blob as
/// it streams (the stream throws at its end when the bytes are not the
/// ones named).
extension RegistryClient {
    /// A manifest as the registry holds it.
    public struct FetchedManifest: Sendable {
        public let manifest: Manifest
        public var bytes: [UInt8] { manifest.bytes }
        public var digest: Digest { manifest.digest }
        public var mediaType: String { manifest.mediaType }
    }

    /// The manifest `reference` (a tag or a digest) names in `repository`.
    public func manifest(_ repository: String, _ reference: String, on host: String) async throws -> FetchedManifest {
        let response = try await send(.GET, "/v2/\(repository)/manifests/\(reference)", on: host, scope: .pull(repository))
        let body = try await response.body.collect(upTo: Manifest.maxSize + 1)
        guard response.status == .ok else {
            throw ClientError(
                "\(host) answered \(response.status.code) for the manifest \(repository):\(reference)\(Self.errorText(body))", status: Int(response.status.code))
        }
        guard body.readableBytes <= Manifest.maxSize else { throw ClientError("\(host)'s manifest \(repository):\(reference) is over 4 MiB") }
        let bytes = Array(body.readableBytesView)
        let named = try? Digest(parsing: reference)
        let header = response.headers.first(name: "Docker-Content-Digest").flatMap { try? Digest(parsing: $0) }
        let algorithm = named?.algorithm ?? header?.algorithm ?? .sha256
        let manifest: Manifest
        do {
            manifest = try Manifest(parsing: bytes, contentType: response.headers.first(name: "Content-Type"), algorithm: algorithm)
        } catch {
            throw ClientError("\(host)'s manifest \(repository):\(reference) is not one Berth can copy: \(error.message)")
        }
        if let expected = named ?? header, manifest.digest != expected {
            throw ClientError("\(host)'s manifest \(repository):\(reference) has the digest \(manifest.digest), not \(expected)")
        }
        return FetchedManifest(manifest: manifest)
    }

    /// The blob's size when `repository` on `host` has it, else nil.
    public func blobSize(_ repository: String, _ digest: Digest, on host: String, mountingFrom source: String? = nil) async throws -> Int64? {
        let scope: Scope = source == nil ? .pull(repository) : .push(repository, mountingFrom: source)
        let response = try await send(.HEAD, "/v2/\(repository)/blobs/\(digest)", on: host, scope: scope)
        _ = try? await response.body.collect(upTo: 1 << 16)
        switch response.status.code {
        case 200: return response.headers.first(name: "Content-Length").flatMap(Int64.init) ?? 0
        case 404: return nil
        default: throw ClientError("\(host) answered \(response.status.code) for the blob \(repository)@\(digest)")
        }
    }

    /// The blob's bytes, checked against `descriptor` as they stream. From
    /// an `offset` (a resumed upload's rest), only their count is checked:
    /// the destination checks the digest of the whole.
    public func blob(_ repository: String, _ descriptor: Descriptor, on host: String, from offset: Int64 = 0) async throws -> VerifiedBytes {
        guard (0...descriptor.size).contains(offset) else { throw ClientError("offset \(offset) is outside the blob \(descriptor.digest)") }
        let range = offset > 0 ? [("Range", "bytes=\(offset)-")] : []
        let response = try await send(
            .GET, "/v2/\(repository)/blobs/\(descriptor.digest)", on: host, scope: .pull(repository), headers: range, deadline: .hours(24 * 7))
        guard response.status == .ok || (offset > 0 && response.status == .partialContent) else {
            let body = try? await response.body.collect(upTo: 1 << 16)
            throw ClientError("\(host) answered \(response.status.code) for the blob \(repository)@\(descriptor.digest)\(body.map(Self.errorText) ?? "")")
        }
        // A registry that ignores `Range` sends it all: the bytes before `offset` are skipped.
        let skip = response.status == .ok ? offset : 0
        return VerifiedBytes(
            base: response.body, digest: descriptor.digest, size: descriptor.size, source: "\(host)/\(repository)", offset: offset, skip: skip)
    }

    /// A blob whose size the registry's `Content-Length` tells, checked as it
    /// streams: its length always, its digest unless the caller checks it
    /// itself (a store that hashes what it writes need not hash it twice).
    public func blob(
        _ repository: String, _ digest: Digest, on host: String, maxSize: Int64, checkingDigest: Bool = true
    ) async throws -> VerifiedBytes {
        let response = try await send(.GET, "/v2/\(repository)/blobs/\(digest)", on: host, scope: .pull(repository), deadline: .hours(24 * 7))
        guard response.status == .ok else {
            let body = try? await response.body.collect(upTo: 1 << 16)
            throw ClientError("\(host) answered \(response.status.code) for the blob \(repository)@\(digest)\(body.map(Self.errorText) ?? "")",
                              status: Int(response.status.code))
        }
        guard let size = response.headers.first(name: "Content-Length").flatMap(Int64.init), (0...maxSize).contains(size) else {
            throw ClientError("\(host) sent the blob \(repository)@\(digest) without a Content-Length of at most \(maxSize) bytes")
        }
        return VerifiedBytes(base: response.body, digest: digest, size: size, source: "\(host)/\(repository)", checksDigest: checkingDigest)
    }

    /// Asks `host` to mount the blob from `source` (same registry); true when it did.
    public func mountBlob(_ repository: String, _ digest: Digest, from source: String, on host: String) async throws -> Bool {
        let response = try await send(
            .POST, "/v2/\(repository)/blobs/uploads/?mount=\(digest)&from=\(source)", on: host,
            scope: .push(repository, mountingFrom: source), headers: [("Content-Length", "0")])
        _ = try? await response.body.collect(upTo: 1 << 16)
        switch response.status.code {
        case 201: return true
        case 202:
            // The registry opened an upload instead: it is not needed.
            if let location = response.headers.first(name: "Location") {
                _ = try? await send(.DELETE, location, on: host, scope: .push(repository))
            }
            return false
        default: return false
        }
    }

    /// Stores `manifest` in `repository` under `reference` (a tag or its digest).
    public func pushManifest(_ repository: String, _ reference: String, _ manifest: Manifest, on host: String) async throws {
        let bytes = manifest.bytes
        let response = try await send(
            .PUT, "/v2/\(repository)/manifests/\(reference)", on: host, scope: .push(repository),
            headers: [("Content-Type", manifest.mediaType), ("Content-Length", String(bytes.count))],
            body: { .bytes(ByteBuffer(bytes: bytes)) })
        let body = try? await response.body.collect(upTo: 1 << 16)
        guard response.status == .created else {
            throw ClientError("\(host) answered \(response.status.code) to the manifest \(repository):\(reference)\(body.map(Self.errorText) ?? "")")
        }
    }

    /// The first error of a registry's error body, as `: CODE: message`.
    static func errorText(_ body: ByteBuffer) -> String {
        struct Errors: Decodable {
            struct Entry: Decodable { let code: String?; let message: String? }
            let errors: [Entry]?
        }
        guard let first = (try? JSONDecoder().decode(Errors.self, from: Data(body.readableBytesView)))?.errors?.first else { return "" }
        return ": " + [first.code, first.message].compactMap { $0 }.joined(separator: ": ")
    }
}

/// A blob's bytes as they arrive, hashed and counted: the sequence throws
/// at its end (or as soon as there are too many bytes) unless they are
/// exactly the content the digest names.
public struct VerifiedBytes: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    let base: HTTPClientResponse.Body
    let digest: Digest
    /// The blob's size (of which these bytes are the part from `offset`).
    public let size: Int64
    let source: String
    /// Where these bytes start in the blob: past 0, the digest cannot be checked here.
    var offset: Int64 = 0
    /// Bytes to drop first (a registry that ignored `Range`).
    var skip: Int64 = 0
    /// False when the consumer hashes the bytes itself.
    var checksDigest = true

    public struct AsyncIterator: AsyncIteratorProtocol {
        var inner: HTTPClientResponse.Body.AsyncIterator
        var hasher: DigestHasher?
        var count: Int64 = 0
        var skip: Int64
        let digest: Digest
        let expected: Int64
        let source: String

        public mutating func next() async throws -> ByteBuffer? {
            while var chunk = try await inner.next() {
                if skip > 0 {
                    let dropped = Int(Swift.min(skip, Int64(chunk.readableBytes)))
                    chunk.moveReaderIndex(forwardBy: dropped)
                    skip -= Int64(dropped)
                    if chunk.readableBytes == 0 { continue }
                }
                count += Int64(chunk.readableBytes)
                guard count <= expected else { throw ClientError("\(source) sent more than the \(expected) bytes of \(digest) it owed") }
                chunk.withUnsafeReadableBytes { hasher?.update($0) }
                return chunk
            }
            guard count == expected else { throw ClientError("\(source) sent \(count) of the \(expected) bytes of \(digest) it owed") }
            if let actual = hasher?.finalize(), actual != digest {
                throw ClientError("\(source) sent bytes whose digest is \(actual), not \(digest)")
            }
            return nil
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(
            inner: base.makeAsyncIterator(), hasher: offset == 0 && checksDigest ? DigestHasher(digest.algorithm) : nil, skip: skip, digest: digest,
            expected: size - offset, source: source)
    }
}
