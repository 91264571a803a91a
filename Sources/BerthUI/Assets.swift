import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

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
    let icon: Asset

    init() {
        css = Self.asset("berth", "css", "text/css; charset=utf-8", Stylesheet.text)
        js = Self.asset("berth", "js", "text/javascript; charset=utf-8", Script.text)
        icon = Self.asset("berth", "svg", "image/svg+xml", Self.iconSVG)
    }

    /// What templates name them by.
    var paths: [String: String] { ["css": css.path, "js": js.path, "icon": icon.path] }

    func asset(at path: String) -> Asset? { [css, js, icon].first { $0.path == path } }

    /// A bollard (where a ship berths), in the accent colour.
    static let iconSVG = #"""
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0550ae"/>
        <path d="M10 25h12v3H10zM12 12h8v13h-8zM9 8h14v4H9z" fill="#fff"/></svg>
        """#

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
