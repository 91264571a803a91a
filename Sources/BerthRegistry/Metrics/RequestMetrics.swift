import Foundation
import Synchronization

/// Counters and latency histograms of HTTP requests, by a route label of
/// bounded cardinality, rendered in the Prometheus text format.
public final class RequestMetrics: Sendable {
    /// Upper bounds of the latency buckets, in seconds.
    static let buckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

    private struct Key: Hashable {
        let route: String
        let method: String
        let status: Int
    }

    private struct Histogram {
        var counts = [UInt64](repeating: 0, count: RequestMetrics.buckets.count)
        var sum = 0.0
        var count: UInt64 = 0
    }

    private struct State {
        var requests: [Key: UInt64] = [:]
        var latency: [String: Histogram] = [:]
        var bytesIn: UInt64 = 0
        var bytesOut: UInt64 = 0
    }

    private let state = Mutex(State())
    private let inFlightUploads = Atomic<Int>(0)
    private let writes = Atomic<Int>(0)

    /// Requests answered that write (PUT, POST, PATCH, DELETE): background work watches it to yield to pushes.
    public var writesAnswered: Int { writes.load(ordering: .relaxed) }

    public init() {}

    func record(route: String, method: String, status: Int, seconds: Double, bytesIn: Int, bytesOut: Int) {
        if method != "GET" && method != "HEAD" && method != "OPTIONS" { writes.add(1, ordering: .relaxed) }
        state.withLock { state in
            state.requests[Key(route: route, method: method, status: status), default: 0] += 1
            // Mutated in place: copying the bucket array out and back would allocate on every request.
            if let index = Self.buckets.firstIndex(where: { seconds <= $0 }) {
                state.latency[route, default: Histogram()].counts[index] += 1
            }
            state.latency[route, default: Histogram()].sum += seconds
            state.latency[route, default: Histogram()].count += 1
            state.bytesIn &+= UInt64(max(bytesIn, 0))
            state.bytesOut &+= UInt64(max(bytesOut, 0))
        }
    }

    func uploadStarted() { inFlightUploads.add(1, ordering: .relaxed) }
    func uploadEnded() { inFlightUploads.subtract(1, ordering: .relaxed) }

    /// The request metrics as Prometheus text.
    public func render() -> String {
        let snapshot = state.withLock { $0 }
        var out = """
            # HELP berth_http_requests_total HTTP requests answered, by route, method and status.
            # TYPE berth_http_requests_total counter

            """
        for (key, count) in snapshot.requests.sorted(by: { ($0.key.route, $0.key.method, $0.key.status) < ($1.key.route, $1.key.method, $1.key.status) }) {
            out += "berth_http_requests_total{route=\"\(key.route)\",method=\"\(key.method)\",status=\"\(key.status)\"} \(count)\n"
        }
        out += """
            # HELP berth_http_request_duration_seconds Time to answer HTTP requests, by route.
            # TYPE berth_http_request_duration_seconds histogram

            """
        for (route, histogram) in snapshot.latency.sorted(by: { $0.key < $1.key }) {
            var cumulative: UInt64 = 0
            for (bound, count) in zip(Self.buckets, histogram.counts) {
                cumulative += count
                out += "berth_http_request_duration_seconds_bucket{route=\"\(route)\",le=\"\(bound)\"} \(cumulative)\n"
            }
            out += "berth_http_request_duration_seconds_bucket{route=\"\(route)\",le=\"+Inf\"} \(histogram.count)\n"
            out += "berth_http_request_duration_seconds_sum{route=\"\(route)\"} \(histogram.sum)\n"
            out += "berth_http_request_duration_seconds_count{route=\"\(route)\"} \(histogram.count)\n"
        }
        out += """
            # HELP berth_http_received_bytes_total Request body bytes received (as declared by Content-Length).
            # TYPE berth_http_received_bytes_total counter
            berth_http_received_bytes_total \(snapshot.bytesIn)
            # HELP berth_http_sent_bytes_total Response body bytes sent (as declared by Content-Length).
            # TYPE berth_http_sent_bytes_total counter
            berth_http_sent_bytes_total \(snapshot.bytesOut)
            # HELP berth_uploads_in_flight Blob upload requests being received now.
            # TYPE berth_uploads_in_flight gauge
            berth_uploads_in_flight \(inFlightUploads.load(ordering: .relaxed))

            """
        return out
    }
}
