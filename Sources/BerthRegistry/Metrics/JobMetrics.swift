import Synchronization

/// Counters of background work (garbage collection, retention, webhook
/// deliveries), rendered in the Prometheus text format.
public final class JobMetrics: Sendable {
    /// Every counter, with its help text, in the order rendered.
    static let help: [(name: String, help: String)] = [
        ("berth_gc_runs_total", "Garbage collection runs, by dry run."),
        ("berth_gc_deleted_total", "Manifests and blobs removed by garbage collection, by kind."),
        ("berth_gc_bytes_freed_total", "Bytes of blobs removed by garbage collection."),
        ("berth_retention_runs_total", "Retention policy runs, by dry run."),
        ("berth_retention_deleted_total", "Artifacts removed by retention policies."),
        ("berth_webhook_deliveries_total", "Webhook delivery attempts, by outcome."),
        ("berth_audit_events_total", "Audit log entries written."),
        ("berth_events_consumed_total", "Outbox events handed to each consumer, by consumer."),
    ]

    private let counters = Mutex<[String: [String: Int64]]>([:])

    public init() {}

    /// Adds `value` to counter `name` with `labels` (`key="value"` pairs, or empty).
    public func add(_ name: String, labels: String = "", _ value: Int64 = 1) {
        counters.withLock { $0[name, default: [:]][labels, default: 0] += value }
    }

    public func value(_ name: String, labels: String = "") -> Int64 {
        counters.withLock { $0[name]?[labels] ?? 0 }
    }

    public func render() -> String {
        let snapshot = counters.withLock { $0 }
        var text = ""
        for (name, help) in Self.help {
            text += "# HELP \(name) \(help)\n# TYPE \(name) counter\n"
            let series = snapshot[name] ?? [:]
            if series.isEmpty { text += "\(name) 0\n" }
            for (labels, value) in series.sorted(by: { $0.key < $1.key }) {
                text += labels.isEmpty ? "\(name) \(value)\n" : "\(name){\(labels)} \(value)\n"
            }
        }
        return text
    }
}
