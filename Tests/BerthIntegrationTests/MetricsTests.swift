import Foundation
import NIOHTTP1
import OCI
import Testing

@Suite("Prometheus metrics")
struct MetricsTests {
    @Test func requestsLatencyBytesStorageAndProcess() async throws {
        let registry = try await TestRegistry.start()
        let bytes = Content.randomBytes(4096)
        try await registry.pushBlob("team/app", bytes)
        _ = try await registry.request(.GET, "/v2/team/app/blobs/\(Content.digest(bytes))")
        _ = try await registry.request(.GET, "/v2/team/app/manifests/missing")
        let scrape = try await registry.request(.GET, "/metrics")
        #expect(scrape.status == 200)
        #expect(scrape.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
        let text = scrape.text
        for line in [
            #"berth_http_requests_total{route="uploads",method="POST",status="201"} 1"#,
            #"berth_http_requests_total{route="blob",method="GET",status="200"} 1"#,
            #"berth_http_requests_total{route="manifest",method="GET",status="404"} 1"#,
            #"berth_http_request_duration_seconds_count{route="blob"} 1"#,
            "berth_storage_bytes 4096",
            "berth_uploads_in_flight 0",
        ] {
            #expect(text.contains(line), "\(line)")
        }
        // No label ever carries a repository name or digest.
        #expect(!text.contains("team/app"))
        #expect(!text.contains(Content.digest(bytes).hex))
        let received = text.split(separator: "\n").first { $0.hasPrefix("berth_http_received_bytes_total ") }
        #expect(received.flatMap { Int($0.split(separator: " ")[1]) }.map { $0 >= 4096 } == true)
        #expect(text.contains("process_resident_memory_bytes "))
        #expect(text.contains("process_cpu_seconds_total "))
        // Every sample line is NAME{labels} VALUE or NAME VALUE.
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            #expect(line.range(of: #"^[a-z_]+(\{[^}]*\})? [0-9.e+-]+$"#, options: .regularExpression) != nil, "\(line)")
        }
        try await registry.stop()
    }
}
