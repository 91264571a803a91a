import HTTPTypes
import Hummingbird
import OCI

/// Numbers clients send in headers, parsed strictly (ASCII digits only, no
/// sign) and range-checked before anything adds to them: a number outside
/// the range is the client's error (400 `SIZE_INVALID`), never a trap.
enum HeaderNumbers {
    /// `Content-Length`, nil when absent; at most `limit` bytes.
    static func contentLength(_ request: Request, limit: Int64) throws -> Int64? {
        guard let header = request.headers[.contentLength] else { return nil }
        guard let length = parse(Substring(header)) else {
            throw RegistryError(.sizeInvalid, "Content-Length must be a non-negative integer", detail: ["Content-Length": String(header.prefix(32))])
        }
        guard length <= limit else {
            throw RegistryError(.sizeInvalid, "blob exceeds the limit of \(limit) bytes", status: 413)
        }
        return length
    }

    /// A non-negative decimal integer that fits Int64; nil otherwise
    /// (`+1`, `-1`, `1e3`, ` 1`, empty and 2^63 alike).
    static func parse(_ text: Substring) -> Int64? {
        guard !text.isEmpty, text.utf8.count <= 19, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return nil
        }
        return Int64(text)
    }
}
