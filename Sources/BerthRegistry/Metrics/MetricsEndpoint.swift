import BerthMetadata
import Hummingbird
import NIOCore

/// `GET /metrics` in the Prometheus text format: requests, latency, bytes,
/// uploads in flight, stored bytes and the process's memory and CPU.
public struct MetricsEndpoint: Sendable {
    let metrics: RequestMetrics
    let jobs: JobMetrics
    let store: any MetadataStore
    /// More sections of the exposition (the pull-through cache's counters).
    let sections: [@Sendable () -> String]

    public init(metrics: RequestMetrics, jobs: JobMetrics, store: any MetadataStore, sections: [@Sendable () -> String] = []) {
        self.metrics = metrics
        self.jobs = jobs
        self.store = store
        self.sections = sections
    }

    public func addRoutes(to router: Router<BerthRequestContext>) {
        router.get("/metrics") { _, _ in
            let stored = try await store.storedBytes()
            let text = metrics.render() + """
                # HELP berth_storage_bytes Bytes of blobs stored, each counted once.
                # TYPE berth_storage_bytes gauge
                berth_storage_bytes \(stored)

                """ + jobs.render() + sections.map { $0() }.joined() + ProcessMetrics.render()
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }
}
