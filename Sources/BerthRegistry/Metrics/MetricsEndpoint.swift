import BerthMetadata
import Hummingbird
import NIOCore

/// `GET /metrics` in the Prometheus text format: requests, latency, bytes,
/// uploads in flight, stored bytes and the process's memory and CPU.
public struct MetricsEndpoint: Sendable {
    let metrics: RequestMetrics
    let jobs: JobMetrics
    let store: any MetadataStore

    public init(metrics: RequestMetrics, jobs: JobMetrics, store: any MetadataStore) {
        self.metrics = metrics
        self.jobs = jobs
        self.store = store
    }

    public func addRoutes(to router: Router<BerthRequestContext>) {
        router.get("/metrics") { _, _ in
            let stored = try await store.storedBytes()
            let text = metrics.render() + """
                # HELP berth_storage_bytes Bytes of blobs stored, each counted once.
                # TYPE berth_storage_bytes gauge
                berth_storage_bytes \(stored)

                """ + jobs.render() + ProcessMetrics.render()
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }
}
