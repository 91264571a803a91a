import Foundation
import Synchronization

/// This node's scans for `/metrics`: finished and failed, running now,
/// their durations, and how old the vulnerability database is.
public final class ScanMetrics: Sendable {
    private let done = Atomic<Int>(0)
    private let failed = Atomic<Int>(0)
    private let running = Atomic<Int>(0)
    /// Seconds; the last bucket is +Inf.
    static let bounds: [Double] = [0.05, 0.25, 1, 5, 15, 60, 300]
    private let durations = Mutex<(buckets: [Int], sum: Double)>((Array(repeating: 0, count: bounds.count + 1), 0))
    /// When the database last took a record, as this node last read it.
    let databaseUpdatedAt = Mutex<Date?>(nil)

    public init() {}

    func started() { running.add(1, ordering: .relaxed) }

    func ended(succeeded: Bool, seconds: Double) {
        running.subtract(1, ordering: .relaxed)
        if succeeded { done.add(1, ordering: .relaxed) } else { failed.add(1, ordering: .relaxed) }
        let bucket = Self.bounds.firstIndex { seconds <= $0 } ?? Self.bounds.count
        durations.withLock {
            $0.buckets[bucket] += 1
            $0.sum += seconds
        }
    }

    public var exposition: String {
        let (buckets, sum) = durations.withLock { ($0.buckets, $0.sum) }
        var lines = [
            "# TYPE berth_scans_total counter",
            "berth_scans_total{result=\"done\"} \(done.load(ordering: .relaxed))",
            "berth_scans_total{result=\"failed\"} \(failed.load(ordering: .relaxed))",
            "# TYPE berth_scans_running gauge",
            "berth_scans_running \(running.load(ordering: .relaxed))",
            "# TYPE berth_scan_duration_seconds histogram",
        ]
        var cumulative = 0
        for (index, count) in buckets.enumerated() {
            cumulative += count
            let bound = index < Self.bounds.count ? "\(Self.bounds[index])" : "+Inf"
            lines.append("berth_scan_duration_seconds_bucket{le=\"\(bound)\"} \(cumulative)")
        }
        lines += ["berth_scan_duration_seconds_sum \(sum)", "berth_scan_duration_seconds_count \(cumulative)"]
        if let updated = databaseUpdatedAt.withLock({ $0 }) {
            lines += [
                "# HELP berth_vulndb_age_seconds Seconds since the vulnerability database last took a record.",
                "# TYPE berth_vulndb_age_seconds gauge",
                "berth_vulndb_age_seconds \(Int(Date().timeIntervalSince(updated)))",
            ]
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
