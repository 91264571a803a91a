import AsyncHTTPClient
import BerthStorage
import Foundation
import NIOCore
import NIOHTTP1
import OCI
import Synchronization

/// A `BlobStore` in an S3-compatible bucket, laid out as `StorageLayout`
/// says (under an optional prefix), so that any node can serve any request.
///
/// An upload is a series of objects `uploads/<id>/<offset>`, each at most
/// `partSize` bytes, plus a marker `uploads/<id>/.started`: the objects are
/// the state, so a chunked upload may move between nodes. The node that
/// wrote every piece keeps the running hash; any other recomputes it from
/// the pieces. A blob's key is written only after the digest matched: by a
/// server-side copy of a single piece, else by a multipart upload (parts
/// copied server-side when S3 allows it, streamed through otherwise) that
/// is completed only then.
public final class S3BlobStore: BlobStore {
    let s3: S3Client
    public let configuration: S3Configuration
    private let hashes = Mutex<[String: (size: Int64, hasher: DigestHasher)]>([:])
    /// S3 refuses multipart parts smaller than this, but for the last.
    static let minimumPart = 5 << 20

    public convenience init(_ configuration: S3Configuration, http: HTTPClient = .shared) {
        self.init(configuration, http: http, copyLimits: .s3)
    }

    /// With other limits for whole-object copies: tests make them small
    /// enough to exercise multipart copies on small blobs.
    init(_ configuration: S3Configuration, http: HTTPClient, copyLimits: CopyLimits) {
        precondition(configuration.partSize >= Self.minimumPart, "partSize must be at least 5 MiB")
        self.configuration = configuration
        s3 = S3Client(configuration, http: http, copyLimits: copyLimits)
    }

    func key(_ relative: String) -> String { configuration.prefix + relative }
    private func uploadFolder(_ id: String) -> String { key(StorageLayout.uploadKey(id)) + "/" }
    private func marker(_ id: String) -> String { uploadFolder(id) + ".started" }
    private func piece(_ id: String, at offset: Int64) -> String {
        uploadFolder(id) + String(repeating: "0", count: max(0, 20 - String(offset).count)) + String(offset)
    }

    /// Creates the bucket when it does not exist (for local servers and tests).
    public func ensureBucket() async throws {
        _ = try await s3.send(.PUT, key: "", allow: [409])
    }

    // MARK: Blobs

    public func size(of digest: Digest) async throws -> Int64? {
        try await s3.size(key(StorageLayout.blobKey(digest)))
    }

    /// One GET: the blob's size comes from its answer (`Content-Length`, or
    /// the total in `Content-Range`), not from a HEAD before it.
    public func read(_ digest: Digest, range: ByteRange?) async throws -> BlobChunks? {
        let blobKey = key(StorageLayout.blobKey(digest))
        if let range, range.count <= 0 {
            // An empty range has no `Range` header to say it: ask the size alone.
            guard let size = try await s3.size(blobKey) else { return nil }
            guard range.start >= 0, range.start < size || (size == 0 && range.start == 0) else {
                throw BlobStoreError.rangeNotSatisfiable(size: size)
            }
            return BlobChunks(count: 0, blobSize: size) { nil }
        }
        let headers = range.map { [("Range", "bytes=\($0.start)-\($0.end - 1)")] } ?? []
        let response = try await s3.send(.GET, key: blobKey, headers: headers, allow: [404, 416])
        let total = response.headers.first(name: "Content-Range").flatMap { $0.split(separator: "/").last.flatMap { Int64($0) } }
        switch response.status.code {
        case 404:
            return nil
        case 416:
            // Not every server names the size in a 416; then ask for it (a rare path).
            let named: Int64? = if let total { total } else { try await s3.size(blobKey) }
            guard let size = named else { return nil }
            throw BlobStoreError.rangeNotSatisfiable(size: size)
        default:
            guard let size = range == nil ? response.headers.first(name: "Content-Length").flatMap({ Int64($0) }) : total else {
                throw S3Error(status: Int(response.status.code), code: "NoLength", message: "no size in the answer for \(blobKey)")
            }
            let range = range ?? ByteRange(start: 0, end: size)
            // S3 shortens a range that runs past the end; the contract refuses it.
            guard range.start >= 0, range.end <= size else { throw BlobStoreError.rangeNotSatisfiable(size: size) }
            let body = BodyIterator(response.body.makeAsyncIterator())
            return BlobChunks(count: range.count, blobSize: size) { try await body.next() }
        }
    }

    public func blobs() async throws -> [(digest: Digest, modified: Date)] {
        let prefix = key(StorageLayout.blobsPrefix + "/")
        return try await s3.list(prefix: prefix).compactMap { object in
            let parts = object.key.dropFirst(prefix.count).split(separator: "/")
            guard parts.count == 3, let digest = try? Digest(parsing: "\(parts[0]):\(parts[2])") else { return nil }
            return (digest, object.modified)
        }
    }

    // MARK: Uploads

    public func startUpload(id: String) async throws {
        precondition(StorageLayout.isValidUploadID(id))
        try await s3.put(marker(id), ByteBuffer())
        hashes.withLock { $0[id] = (0, DigestHasher(.sha256)) }
    }

    /// The upload's pieces in order, or nil when it does not exist.
    private func pieces(_ id: String) async throws -> [S3Client.Listed]? {
        guard StorageLayout.isValidUploadID(id) else { return nil }
        let listed = try await s3.list(prefix: uploadFolder(id))
        guard listed.contains(where: { $0.key == marker(id) }) else { return nil }
        return listed.filter { $0.key != marker(id) }.sorted { $0.key < $1.key }
    }

    public func uploadedSize(id: String) async throws -> Int64? {
        try await pieces(id)?.reduce(0) { $0 + $1.size }
    }

    public func append<Body: AsyncSequence & Sendable>(
        to id: String, at offset: Int64, body: Body, limit: Int64
    ) async throws -> Int64 where Body.Element == ByteBuffer {
        guard let size = try await uploadedSize(id: id) else { throw BlobStoreError.uploadUnknown }
        guard size == offset else { throw BlobStoreError.offsetMismatch(size: size) }
        // The hash carries on only from exactly where this node left it.
        var hasher = hashes.withLock { state -> DigestHasher? in
            defer { state.removeValue(forKey: id) }
            return state[id].flatMap { $0.size == size ? $0.hasher : nil }
        }
        var written = size
        var buffer = ByteBuffer()
        buffer.reserveCapacity(min(configuration.partSize, 1 << 20))
        func flush() async throws {
            guard buffer.readableBytes > 0 else { return }
            try await s3.put(piece(id, at: written), buffer)
            written += Int64(buffer.readableBytes)
            buffer.clear()
        }
        do {
            for try await chunk in body {
                guard written + Int64(buffer.readableBytes + chunk.readableBytes) <= limit else { throw BlobStoreError.tooLarge(limit: limit) }
                chunk.withUnsafeReadableBytes { hasher?.update($0) }
                var chunk = chunk
                while chunk.readableBytes > 0 {
                    let take = min(chunk.readableBytes, configuration.partSize - buffer.readableBytes)
                    var slice = chunk.readSlice(length: take)!
                    buffer.writeBuffer(&slice)
                    if buffer.readableBytes == configuration.partSize { try await flush() }
                }
            }
        } catch let error as BlobStoreError {
            throw error
        } catch {
            // The client went away: keep what arrived, in order, so it may resume from there.
            try? await flush()
            throw error
        }
        try await flush()
        if let hasher { hashes.withLock { $0[id] = (written, hasher) } }
        return written
    }

    public func commit(upload id: String, as digest: Digest) async throws -> Int64 {
        guard let pieces = try await pieces(id) else { throw BlobStoreError.uploadUnknown }
        let size = pieces.reduce(0) { $0 + $1.size }
        let remembered = hashes.withLock { $0[id] }
        let actual: Digest
        if let remembered, remembered.size == size, digest.algorithm == .sha256 {
            actual = remembered.hasher.finalize()
        } else {
            actual = try await rehash(pieces, algorithm: digest.algorithm)
        }
        guard actual == digest else { throw BlobStoreError.digestMismatch(actual: actual) }

        let blobKey = key(StorageLayout.blobKey(digest))
        if pieces.isEmpty {
            try await s3.put(blobKey, ByteBuffer())
        } else if pieces.count == 1 {
            try await s3.copy(from: pieces[0].key, to: blobKey, size: pieces[0].size)
        } else {
            try await multipart(pieces, to: blobKey)
        }
        _ = try await cancel(upload: id)
        return size
    }

    /// Writes the pieces, in order, as one object; nothing is visible unless it completes.
    private func multipart(_ pieces: [S3Client.Listed], to blobKey: String) async throws {
        let uploadID = try await s3.createMultipart(blobKey)
        do {
            var etags: [String] = []
            if pieces.dropLast().allSatisfy({ $0.size >= Int64(Self.minimumPart) }) {
                for (index, piece) in pieces.enumerated() {
                    etags.append(try await s3.copyPart(blobKey, uploadID: uploadID, number: index + 1, from: piece.key))
                }
            } else {
                // Small pieces in the middle: stream them through into full-size parts.
                var part = ByteBuffer()
                for piece in pieces {
                    for try await chunk in try await s3.get(piece.key).body {
                        var chunk = chunk
                        while chunk.readableBytes > 0 {
                            var slice = chunk.readSlice(length: min(chunk.readableBytes, configuration.partSize - part.readableBytes))!
                            part.writeBuffer(&slice)
                            if part.readableBytes == configuration.partSize {
                                etags.append(try await s3.uploadPart(blobKey, uploadID: uploadID, number: etags.count + 1, bytes: part))
                                part.clear()
                            }
                        }
                    }
                }
                if part.readableBytes > 0 || etags.isEmpty {
                    etags.append(try await s3.uploadPart(blobKey, uploadID: uploadID, number: etags.count + 1, bytes: part))
                }
            }
            try await s3.completeMultipart(blobKey, uploadID: uploadID, etags: etags)
        } catch {
            try? await s3.abortMultipart(blobKey, uploadID: uploadID)
            throw error
        }
    }

    private func rehash(_ pieces: [S3Client.Listed], algorithm: DigestAlgorithm) async throws -> Digest {
        var hasher = DigestHasher(algorithm)
        for piece in pieces {
            for try await chunk in try await s3.get(piece.key).body {
                chunk.withUnsafeReadableBytes { hasher.update($0) }
            }
        }
        return hasher.finalize()
    }

    public func cancel(upload id: String) async throws -> Bool {
        guard StorageLayout.isValidUploadID(id) else { return false }
        hashes.withLock { _ = $0.removeValue(forKey: id) }
        let objects = try await s3.list(prefix: uploadFolder(id))
        for object in objects { try await s3.delete(object.key) }
        return objects.contains { $0.key == marker(id) }
    }

    public func uploads() async throws -> [(id: String, modified: Date)] {
        let prefix = key(StorageLayout.uploadsPrefix + "/")
        var latest: [String: Date] = [:]
        for object in try await s3.list(prefix: prefix) {
            guard let id = object.key.dropFirst(prefix.count).split(separator: "/").first.map(String.init),
                  StorageLayout.isValidUploadID(id)
            else { continue }
            latest[id] = max(latest[id] ?? .distantPast, object.modified)
        }
        return latest.map { ($0.key, $0.value) }
    }

    /// Aborts multipart uploads begun before `date` (a node that died mid-commit).
    public func reapUnfinishedCommits(startedBefore date: Date) async throws -> Int {
        var aborted = 0
        for upload in try await s3.multipartUploads(prefix: key(StorageLayout.blobsPrefix + "/")) where upload.initiated < date {
            try await s3.abortMultipart(upload.key, uploadID: upload.id)
            aborted += 1
        }
        return aborted
    }

    /// A presigned URL clients may download the blob from, when configured to.
    public func downloadURL(_ digest: Digest) -> String? {
        configuration.redirectDownloads ? s3.presignedURL(key(StorageLayout.blobKey(digest)), expires: 900) : nil
    }
}

/// A response body read one chunk at a time. `BlobChunks` pulls from one
/// task at a time, which is what makes the unchecked sendability sound.
private final class BodyIterator: @unchecked Sendable {
    private var iterator: HTTPClientResponse.Body.AsyncIterator

    init(_ iterator: HTTPClientResponse.Body.AsyncIterator) { self.iterator = iterator }

    func next() async throws -> ByteBuffer? { try await iterator.next() }
}
