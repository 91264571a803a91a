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
        // The web UI's HTML error pages go here; until there is a UI, these
        // paths answer with the JSON the other surfaces use.
        case .site: DistributionErrors()
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
