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
            // Read from the end, as V2Route does, without splitting the path.
            let parts = path.utf8.split(separator: UInt8(ascii: "/"), maxSplits: .max, omittingEmptySubsequences: false).suffix(3)
            let words = parts.map { Substring($0) }
            if path == "/v2" || path == "/v2/" { return "base" }
            if path == "/v2/_catalog" { return "catalog" }
            guard words.count == 3 else { return "unknown" }
            switch (words[words.startIndex + 1], words[words.startIndex + 2]) {
            case ("tags", "list"): return "tags"
            case ("blobs", "uploads"): return "uploads"
            case ("uploads", let last) where words[words.startIndex] == "blobs": return last.isEmpty ? "uploads" : "upload"
            case ("manifests", _): return "manifest"
            case ("blobs", _): return "blob"
            case ("referrers", _): return "referrers"
            default: return "unknown"
            }
        }
        for (prefix, label) in [("/service/token", "token"), ("/api/", "api"), ("/healthz", "health"), ("/metrics", "metrics")]
        where path.hasPrefix(prefix) {
            return label
        }
        return "unknown"
    }
}
