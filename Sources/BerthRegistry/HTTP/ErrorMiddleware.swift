import BerthMetadata
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import OCI
import BerthPolicies

/// Renders every failure with the right status, in the error body of the
/// surface it happened on (the spec's JSON on `/v2`, the management API's
/// on `/api/v1`), including requests no route matched, and logs what the
/// client cannot fix (5xx) with the request id.
public struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = Self.response(for: error, request: request, context: context)
        }
        response.headers[.requestID] = context.id
        return response
    }

    static func response(for error: any Error, request: Request, context: Context) -> Response {
        switch error {
        case let error as RegistryError:
            if error.status >= 500 {
                context.logger.error("request failed", metadata: ["error": "\(error)"])
            } else {
                context.logger.debug("request refused", metadata: ["error": "\(error)"])
            }
            return render(error, request: request)
        case let challenge as AuthenticationChallenge:
            context.logger.notice("authentication required", metadata: ["reason": "\(challenge.message)"])
            var response = render(RegistryError(.unauthorized, challenge.message), request: request)
            response.headers[.wwwAuthenticate] = challenge.header
            return response
        case let error as RegistryError where error.code == .denied || error.code == .unauthorized:
            context.logger.notice("access denied", metadata: ["error": "\(error)"])
            return render(error, request: request)
        case let limited as PullRateLimited:
            context.logger.notice("pull rate limit reached", metadata: ["limit": "\(limited.limit)", "key": "\(limited.key)"])
            var response = render(limited.error, request: request)
            response.headers[.retryAfter] = "\(limited.retryAfter)"
            response.headers[.rateLimitLimit] = limited.limit.header
            response.headers[.rateLimitRemaining] = "0;w=\(limited.limit.window)"
            return response
        case let error as RangeNotSatisfiable:
            var response = render(
                RegistryError(.blobUnknown, "requested range not satisfiable", status: 416), request: request)
            response.headers[.contentRange] = "bytes */\(error.size)"
            return response
        case let error as UploadOutOfOrder:
            // The spec's answer to an out-of-order chunk: 416 and where the upload really is.
            var response = Response(status: .rangeNotSatisfiable)
            response.headers[.contentLength] = "0"
            response.headers[.dockerUploadUUID] = error.id
            response.headers[.blobUploadSessionID] = error.id
            if let size = error.size {
                response.headers[.range] = "0-\(max(size - 1, 0))"
            }
            let path = request.uri.path
            response.headers[.location] = path
            return response
        case let error as DatabaseUnavailable:
            // The database is down or failing over: the node itself is fine,
            // and clients retry a 503 (details in the log, not the answer).
            context.logger.error("database unavailable", metadata: ["error": "\(error.summary)", "detail": "\(error.detail ?? "")"])
            var response = render(RegistryError(.unknown, "the database is unavailable: \(error.summary)", status: 503), request: request)
            response.headers[.retryAfter] = "1"
            return response
        case let error as HTTPParserError:
            // A body shorter than its Content-Length, broken chunking: the
            // client's fault. What it sent is never committed (the digest
            // check sees to that); if the connection is still there, it learns why.
            context.logger.notice("malformed request body", metadata: ["error": "\(error)"])
            return render(RegistryError(.blobUploadInvalid, "malformed request body: \(error)", status: 400), request: request)
        case let error as HTTPError where error.status == .notFound:
            return render(RegistryError(.unsupported, "no such endpoint", status: 404), request: request)
        case let error as HTTPError where error.status == .contentTooLarge:
            return render(RegistryError(.sizeInvalid, "request body too large", status: 413), request: request)
        case let error as HTTPError:
            return render(
                RegistryError(.unsupported, error.body ?? "request not supported", status: Int(error.status.code)),
                request: request)
        case let error as any HTTPResponseError:
            // Errors that render themselves.
            if let response = try? error.response(from: request, context: context) { return response }
            return render(RegistryError(.unknown), request: request)
        default:
            context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            return render(RegistryError(.unknown), request: request)
        }
    }

    static func render(_ error: RegistryError, request: Request) -> Response {
        guard request.method != .head else {
            return Response(status: HTTPResponse.Status(code: error.status), headers: [.contentLength: "0"])
        }
        return Surface(path: request.uri.path).errorRenderer.render(error)
    }
}
