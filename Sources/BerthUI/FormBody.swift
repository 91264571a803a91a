import BerthRegistry
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OCI

/// An `application/x-www-form-urlencoded` body, as the UI's forms post it.
struct FormBody: Sendable {
    /// Forms are short; anything longer is refused before it is read whole.
    static let largest = 64 << 10
    private var fields: [String: String] = [:]

    init(_ request: Request) async throws {
        let type = request.headers[.contentType]?.lowercased() ?? ""
        guard type.hasPrefix("application/x-www-form-urlencoded") else {
            throw RegistryError(.unsupported, "a form is posted as application/x-www-form-urlencoded", status: 415)
        }
        var body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: Self.largest)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw RegistryError(.unsupported, "the form is larger than 64 KiB", status: 413)
        }
        self.init(encoded: body.readString(length: body.readableBytes) ?? "")
    }

    init(encoded: String) {
        for pair in encoded.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(parts[0]) else { continue }
            // The first of repeated fields counts, as browsers send one.
            if fields[name] == nil { fields[name] = parts.count > 1 ? Self.decode(parts[1]) ?? "" : "" }
        }
    }

    subscript(name: String) -> String? { fields[name] }

    /// A checkbox: present (any value) when ticked.
    func isChecked(_ name: String) -> Bool { fields[name] != nil }

    private static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
