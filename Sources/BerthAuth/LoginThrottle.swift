import Foundation

/// Slows down password guessing: after `freeFailures` failed sign-ins for a
/// user or from an address, further attempts for it are refused for a delay
/// that doubles with each failure (up to `maxDelay`). A success clears the
/// user's count; failures older than `window` are forgotten.
public actor LoginThrottle {
    private struct Record {
        var failures: Int
        var last: Date
    }

    private var records: [String: Record] = [:]
    let freeFailures: Int
    let maxDelay: TimeInterval
    let window: TimeInterval

    public init(freeFailures: Int = 5, maxDelay: TimeInterval = 300, window: TimeInterval = 900) {
        self.freeFailures = freeFailures
        self.maxDelay = maxDelay
        self.window = window
    }

    /// Seconds to wait before `user` from `address` may try again; 0 when free.
    public func delay(user: String, address: String, now: Date = Date()) -> TimeInterval {
        max(delay(for: "user:" + user, now: now), delay(for: "address:" + address, now: now))
    }

    public func failed(user: String, address: String, now: Date = Date()) {
        for key in ["user:" + user, "address:" + address] {
            var record = records[key].flatMap { now.timeIntervalSince($0.last) < window ? $0 : nil } ?? Record(failures: 0, last: now)
            record.failures += 1
            record.last = now
            records[key] = record
        }
        if records.count > 100_000 { records = records.filter { now.timeIntervalSince($0.value.last) < window } }
    }

    public func succeeded(user: String) {
        records["user:" + user] = nil
    }

    private func delay(for key: String, now: Date) -> TimeInterval {
        guard let record = records[key], now.timeIntervalSince(record.last) < window, record.failures >= freeFailures else { return 0 }
        let wait = min(maxDelay, pow(2, Double(record.failures - freeFailures)))
        return max(0, wait - now.timeIntervalSince(record.last))
    }
}
