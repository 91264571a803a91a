import Hummingbird
import Logging

/// One log line per request once it is answered: method, path, status and
/// duration, under the request id Hummingbird put in the logger. Add it
/// before `ErrorMiddleware` so it sees the status errors were rendered as.
public struct AccessLogMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let started = ContinuousClock.now
        let response = try await next(request, context)
        guard context.logger.logLevel <= .info else { return response }
        let elapsed = (ContinuousClock.now - started).components
        // Hundredths of a millisecond, in integers: no Foundation formatting per request.
        let hundredths = elapsed.seconds.multipliedReportingOverflow(by: 100_000).partialValue &+ elapsed.attoseconds / 10_000_000_000_000
        let fraction = hundredths % 100
        context.logger.info(
            "request",
            metadata: [
                "method": "\(request.method)",
                "path": "\(request.uri.path)",
                "status": "\(response.status.code)",
                "ms": "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)",
            ])
        return response
    }
}
