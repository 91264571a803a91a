import Foundation
import Hummingbird

/// Records every request in `RequestMetrics`. Add it first, so that it sees
/// the status errors were rendered as and the whole time taken.
public struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: RequestMetrics

    public init(metrics: RequestMetrics) {
        self.metrics = metrics
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let started = ContinuousClock.now
        let route = Self.routeLabel(request.uri.path)
        let isUpload = route == "upload" || route == "uploads"
        if isUpload { metrics.uploadStarted() }
        defer { if isUpload { metrics.uploadEnded() } }
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - started
        metrics.record(
            route: route, method: request.method.rawValue, status: Int(response.status.code),
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
            bytesIn: request.headers[.contentLength].flatMap(Int.init) ?? 0,
            bytesOut: response.headers[.contentLength].flatMap(Int.init) ?? 0)
        return response
    }

    /// A label per kind of endpoint, never per repository or digest, so the
    /// number of series stays small.
    static func routeLabel(_ path: String) -> String {
        if path.hasPrefix("/v2") {
            switch V2Route(path: path) {
            case .base: return "base"
            case .catalog: return "catalog"
            case .tags: return "tags"
            case .manifest: return "manifest"
            case .blob: return "blob"
            case .uploads: return "uploads"
            case .upload: return "upload"
            case .referrers: return "referrers"
            case nil: return "unknown"
            }
        }
        for (prefix, label) in [("/service/token", "token"), ("/api/", "api"), ("/healthz", "health"), ("/metrics", "metrics")]
        where path.hasPrefix(prefix) {
            return label
        }
        return "unknown"
    }
}
