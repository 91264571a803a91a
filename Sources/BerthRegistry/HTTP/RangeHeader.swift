import BerthStorage

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
            guard let suffix = Int64(last), suffix >= 0 else { return nil }
            guard suffix > 0, size > 0 else { throw RangeNotSatisfiable(size: size) }
            return ByteRange(start: max(0, size - suffix), end: size)
        }
        guard let start = Int64(first), start >= 0 else { return nil }
        let end: Int64
        if last.isEmpty {
            end = size - 1
        } else {
            guard let parsed = Int64(last), parsed >= start else { return nil }
            end = min(parsed, size - 1)
        }
        guard start < size else { throw RangeNotSatisfiable(size: size) }
        return ByteRange(start: start, end: end + 1)
    }

    /// A chunk's `Content-Range: <start>-<end>` (inclusive; a `bytes ` or
    /// `bytes=` prefix is tolerated). nil when malformed.
    static func chunkRange(_ header: String) -> ByteRange? {
        var spec = Substring(header).trimmingSpaces
        for prefix in ["bytes=", "bytes "] where spec.hasPrefix(prefix) {
            spec = spec.dropFirst(prefix.count)
        }
        let parts = spec.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let start = Int64(parts[0]), let end = Int64(parts[1]), start >= 0, end >= start - 1 else {
            return nil
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
