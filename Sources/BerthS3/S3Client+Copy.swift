import NIOHTTP1

/// How whole objects are copied server-side. S3 refuses a `CopyObject`
/// whose source is over 5 GiB; larger objects are copied as a multipart
/// upload of ranged `UploadPartCopy` parts (5 MiB to 5 GiB each, at most
/// 10,000 of them).
struct CopyLimits: Sendable {
    /// The largest object copied with one `CopyObject`.
    var singleCopy: Int64
    /// The size of each part of a larger copy (grown when it would take
    /// more than `maximumParts`).
    var part: Int64

    /// S3's limits, with 1 GiB parts: few requests, each well within one timeout.
    static let s3 = CopyLimits(singleCopy: 5 << 30, part: 1 << 30)
    static let maximumParts: Int64 = 10_000

    /// The part size a copy of `size` bytes in parts uses: `part`, or as
    /// much more as keeps it within `maximumParts`.
    func partSize(for size: Int64) -> Int64 {
        max(part, (size + Self.maximumParts - 1) / Self.maximumParts)
    }
}

extension S3Client {
    /// Copies a whole object server-side: with one `CopyObject` up to
    /// `copyLimits.singleCopy` bytes, else part by part (nothing appears at
    /// `destination` unless every part was copied). `size` is the source's,
    /// when the caller knows it; else it is asked for. A missing source
    /// throws `S3Error` with code `NoSuchKey`.
    func copy(from source: String, to destination: String, size known: Int64? = nil) async throws {
        let size: Int64
        if let known {
            size = known
        } else {
            guard let found = try await self.size(source) else {
                throw S3Error(status: 404, code: "NoSuchKey", message: "no object \(source) to copy")
            }
            size = found
        }
        guard size > copyLimits.singleCopy else {
            let headers = [("x-amz-copy-source", copySource(source))]
            _ = try await send(expecting: ["CopyObjectResult"], .PUT, key: destination, headers: headers)
            return
        }
        let part = copyLimits.partSize(for: size)
        let uploadID = try await createMultipart(destination)
        do {
            var etags: [String] = []
            var start: Int64 = 0
            while start < size {
                let range = start..<min(start + part, size)
                etags.append(try await copyPart(destination, uploadID: uploadID, number: etags.count + 1, from: source, range: range))
                start = range.upperBound
            }
            try await completeMultipart(destination, uploadID: uploadID, etags: etags)
        } catch {
            try? await abortMultipart(destination, uploadID: uploadID)
            throw error
        }
    }

    /// Copies `range` of an object (all of it when nil, at most 5 GiB) in as
    /// part `number`, server-side; returns the part's ETag.
    func copyPart(_ key: String, uploadID: String, number: Int, from source: String, range: Range<Int64>? = nil) async throws -> String {
        var headers = [("x-amz-copy-source", copySource(source))]
        if let range { headers.append(("x-amz-copy-source-range", "bytes=\(range.lowerBound)-\(range.upperBound - 1)")) }
        let result = try await send(
            expecting: ["CopyPartResult"], .PUT, key: key, query: [("partNumber", "\(number)"), ("uploadId", uploadID)], headers: headers)
        return result["ETag"] ?? ""  // never empty: `result(_:of:)` checked
    }

    private func copySource(_ key: String) -> String {
        "/\(configuration.bucket)/" + SigV4Signer.encode(key, keepSlash: true)
    }
}
