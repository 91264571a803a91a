import BerthMetadata
import Hummingbird
import NIOCore

/// `GET /metrics` in the Prometheus text format: requests, latency, bytes,
/// uploads in flight, stored bytes and the process's memory and CPU.
public struct MetricsEndpoint: Sendable {
    let metrics: RequestMetrics
    let jobs: JobMetrics
    let registry: RegistryService

    public init(metrics: RequestMetrics, jobs: JobMetrics, registry: RegistryService) {
        self.metrics = metrics
        self.jobs = jobs
        self.registry = registry
    }

    public func addRoutes(to router: Router<BerthRequestContext>) {
        router.get("/metrics") { _, _ in
            let stored = try await registry.metadata.storedBytes()
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
