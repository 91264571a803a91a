import BerthAuth
import BerthManagement
import BerthMetadata
import BerthRegistry
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import OCI
/// The stylesheet and script, embedded in the binary and served under
/// names that carry a hash of their content, so that browsers may keep
/// them forever and a new release is fetched at once.
struct Assets: Sendable {
    struct Asset: Sendable {
        let path: String
        let contentType: String
        let bytes: ByteBuffer
    }

    let css: Asset
    let js: Asset

    init() {
        css = Self.asset("berth", "css", "text/css; charset=utf-8", Stylesheet.text)
        js = Self.asset("berth", "js", "text/javascript; charset=utf-8", Script.text)
    }

    /// What templates name them by.
    var paths: [String: String] { ["css": css.path, "js": js.path] }

    func asset(at path: String) -> Asset? { [css, js].first { $0.path == path } }

    func response(_ asset: Asset) -> Response {
        Response(
            status: .ok,
            headers: [
                .contentType: asset.contentType, .cacheControl: "public, max-age=31536000, immutable",
                .contentLength: "\(asset.bytes.readableBytes)", HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            ],
            body: .init(byteBuffer: asset.bytes))
    }

    private static func asset(_ name: String, _ ext: String, _ type: String, _ text: String) -> Asset {
        let hash = SHA256.hash(data: Data(text.utf8)).prefix(6).map { String(format: "%02x", $0) }.joined()
        return Asset(path: "/assets/\(name).\(hash).\(ext)", contentType: type, bytes: ByteBuffer(string: text))
    }
}
