/// Pulls counted per (key, window slot), shared by the nodes of a cluster:
/// each node adds what it counted since its last visit and learns the
/// totals, so limits hold across nodes without a write per pull.
public protocol RateCountStore: Sendable {
    /// Adds `counts` and answers the totals of every key in `keys`, for the slots given.
    func addPulls(_ counts: [RateCount], totalsOf keys: [RateSlot]) async throws -> [RateSlot: Int64]
    /// Forgets slots that ended before `slot` (per window size).
    func forgetRateCounts(endedBefore time: Int64) async throws
}

/// One key in one window: `user:alice` in the slot starting at `start` (seconds since 1970).
public struct RateSlot: Sendable, Hashable {
    public let key: String
    public let start: Int64
    public let end: Int64

    public init(key: String, start: Int64, end: Int64) {
        (self.key, self.start, self.end) = (key, start, end)
    }
}

public struct RateCount: Sendable {
    public let slot: RateSlot
    public let pulls: Int64

    public init(slot: RateSlot, pulls: Int64) {
        (self.slot, self.pulls) = (slot, pulls)
    }
}
