import BerthStorage
import OCI

/// Parsing of the two range headers the API uses.
enum RangeHeader {
    /// A `Range: bytes=…` request header for a blob of `size` bytes (RFC 9110):
    /// nil when absent, malformed or multi-part (then the whole blob is sent,
    /// as the RFC allows); throws when no byte of it is in the blob.
    static func blobRange(_ header: String?, size: Int64) throws -> ByteRange? {
        guard let header, header.hasPrefix("bytes=") else { return nil }
        let spec = header.dropFirst(6).trimmingSpaces
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return nil }
        let first = spec[..<dash], last = spec[spec.index(after: dash)...]
        if first.isEmpty {
            // Suffix range: the last N bytes.
            guard let suffix = HeaderNumbers.parse(last) else { return nil }
            guard suffix > 0, size > 0 else { throw RangeNotSatisfiable(size: size) }
            return ByteRange(start: max(0, size - suffix), end: size)
        }
        guard let start = HeaderNumbers.parse(first) else { return nil }
        let end: Int64
        if last.isEmpty {
            end = size - 1
        } else {
            guard let parsed = HeaderNumbers.parse(last), parsed >= start else { return nil }
            end = min(parsed, size - 1)
        }
        guard start < size else { throw RangeNotSatisfiable(size: size) }
        return ByteRange(start: start, end: end + 1)
    }

    /// A chunk's `Content-Range: <start>-<end>` (inclusive; a `bytes ` or
    /// `bytes=` prefix is tolerated). nil when malformed; throws
    /// `SIZE_INVALID` when the chunk would end past `limit` bytes (a range
    /// up to `Int64.max` must not overflow when its end is made exclusive).
    static func chunkRange(_ header: String, limit: Int64) throws -> ByteRange? {
        var spec = Substring(header).trimmingSpaces
        for prefix in ["bytes=", "bytes "] where spec.hasPrefix(prefix) {
            spec = spec.dropFirst(prefix.count)
        }
        let parts = spec.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let start = HeaderNumbers.parse(parts[0]), let end = HeaderNumbers.parse(parts[1]), end >= start - 1
        else { return nil }
        guard end < limit else {
            throw RegistryError(.sizeInvalid, "Content-Range ends past the limit of \(limit) bytes", status: 400,
                                detail: ["Content-Range": String(header.prefix(64))])
        }
        return ByteRange(start: start, end: end + 1)
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return s
    }
}
