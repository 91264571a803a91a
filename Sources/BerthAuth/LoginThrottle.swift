import Foundation

/// Slows down password guessing: after `freeFailures` failed sign-ins for a
/// user from one address, or `addressFailures` for anyone from an address,
/// further attempts are refused for a delay that doubles with each failure
/// (up to `maxDelay`). Keyed on the user *and* the address, so an attacker
/// guessing a user's password cannot lock that user out where they sign in
/// from elsewhere. A success clears that user's count from that address;
/// failures older than `window` are forgotten. The address must be the real
/// client's (behind a proxy: from `trusted_proxies`' `X-Forwarded-For`).
public actor LoginThrottle {
    private struct Record {
        var failures: Int
        var last: Date
    }

    private var records: [String: Record] = [:]
    let freeFailures: Int
    /// An address is shared (NAT, an office), so it gets more tries than one user.
    let addressFailures: Int
    let maxDelay: TimeInterval
    let window: TimeInterval

    public init(freeFailures: Int = 5, addressFailures: Int? = nil, maxDelay: TimeInterval = 300, window: TimeInterval = 900) {
        self.freeFailures = freeFailures
        self.addressFailures = addressFailures ?? 4 * freeFailures
        self.maxDelay = maxDelay
        self.window = window
    }

    /// Seconds to wait before `user` from `address` may try again; 0 when free.
    public func delay(user: String, address: String, now: Date = Date()) -> TimeInterval {
        max(delay(for: Self.pair(user, address), free: freeFailures, now: now),
            delay(for: "address:" + address, free: addressFailures, now: now))
    }

    private static func pair(_ user: String, _ address: String) -> String { "user:\(address) \(user)" }

    public func failed(user: String, address: String, now: Date = Date()) {
        for key in [Self.pair(user, address), "address:" + address] {
            var record = records[key].flatMap { now.timeIntervalSince($0.last) < window ? $0 : nil } ?? Record(failures: 0, last: now)
            record.failures += 1
            record.last = now
            records[key] = record
        }
        if records.count > 100_000 { records = records.filter { now.timeIntervalSince($0.value.last) < window } }
    }

    public func succeeded(user: String, address: String) {
        records[Self.pair(user, address)] = nil
    }

    private func delay(for key: String, free: Int, now: Date) -> TimeInterval {
        guard let record = records[key], now.timeIntervalSince(record.last) < window, record.failures >= free else { return 0 }
        let wait = min(maxDelay, pow(2, Double(min(record.failures - free, 64))))
        return max(0, wait - now.timeIntervalSince(record.last))
    }
}
