import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OCI

/// How one surface writes a failure into a response body.
protocol ErrorRenderer: Sendable {
    func render(_ error: RegistryError) -> Response
}

extension Surface {
    /// The one choice of how failures look, by the surface they happen on.
    var errorRenderer: any ErrorRenderer {
        switch self {
        case .distribution, .tokens: DistributionErrors()
        case .management: ManagementErrors()
        case .site: DistributionErrors()
        // What the UI's own pages did not answer (an unknown path): a bare HTML page.
        case .ui: HTMLErrors()
        }
    }
}

/// The Distribution spec's body, which every registry client parses:
/// `{"errors":[{"code","message","detail"}]}`.
struct DistributionErrors: ErrorRenderer {
    func render(_ error: RegistryError) -> Response {
        var entry: [String: Any] = ["code": error.code.rawValue, "message": error.message]
        if let detail = error.detail { entry["detail"] = detail }
        let json = (try? JSONSerialization.data(withJSONObject: ["errors": [entry]], options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return Response(
            status: HTTPResponse.Status(code: error.status),
            headers: [.contentType: "application/json", .contentLength: "\(json.count)"],
            body: .init(byteBuffer: ByteBuffer(bytes: json)))
    }
}

/// `/api/v1`'s body, its own contract with scripts and the UI. It has the
/// same shape as the spec's today, but changes without touching `/v2`.
struct ManagementErrors: ErrorRenderer {
    private struct Body: Encodable {
        let errors: [Entry]
    }

    private struct Entry: Encodable {
        let code: String
        let message: String
        let detail: [String: String]?
    }

    func render(_ error: RegistryError) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = Body(errors: [Entry(code: error.code.rawValue, message: error.message, detail: error.detail)])
        let json = (try? encoder.encode(body)) ?? Data()
        return Response(
            status: HTTPResponse.Status(code: error.status),
            headers: [.contentType: "application/json", .contentLength: "\(json.count)"],
            body: .init(byteBuffer: ByteBuffer(bytes: json)))
    }
}

/// The web UI's last resort: its pages render their own errors inside the
/// layout; what reaches here (an unknown path) gets a plain page.
struct HTMLErrors: ErrorRenderer {
    func render(_ error: RegistryError) -> Response {
        let status = HTTPResponse.Status(code: error.status)
        let message = error.message.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        let html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>\(status.code) \(status.reasonPhrase) · Berth</title></head>
            <body><h1>\(status.code) \(status.reasonPhrase)</h1><p>\(message)</p><p><a href="/projects">Projects</a></p></body></html>
            """
        return Response(
            status: status,
            headers: [.contentType: "text/html; charset=utf-8", .contentLength: "\(html.utf8.count)", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
