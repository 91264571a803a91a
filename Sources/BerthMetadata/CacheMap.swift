import Synchronization

/// A bounded map whose writers bump a generation, so that a reader who
/// looked up the database before a write committed cannot store the old
/// answer after the write dropped it.
final class CacheMap<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct State {
        var entries: [Key: Value] = [:]
        var generation: UInt64 = 0
        var bytes = 0
    }

    private let state = Mutex(State())
    private let maxEntries: Int
    private let maxBytes: Int
    /// What one value costs against `maxBytes`.
    private let cost: @Sendable (Value) -> Int

    init(maxEntries: Int, maxBytes: Int = .max, cost: @escaping @Sendable (Value) -> Int = { _ in 0 }) {
        self.maxEntries = maxEntries
        self.maxBytes = maxBytes
        self.cost = cost
    }

    subscript(key: Key) -> Value? { state.withLock { $0.entries[key] } }

    var generation: UInt64 { state.withLock { $0.generation } }

    var bytes: Int { state.withLock { $0.bytes } }

    /// Stores `value` unless a write happened since `generation` was read;
    /// a value larger than the whole budget is not kept.
    func remember(_ key: Key, _ value: Value, ifStill generation: UInt64) {
        let size = cost(value)
        guard size <= maxBytes else { return }
        state.withLock {
            guard $0.generation == generation else { return }
            if let old = $0.entries.removeValue(forKey: key) { $0.bytes -= cost(old) }
            if $0.entries.count >= maxEntries || $0.bytes > maxBytes - size {
                $0.entries.removeAll(keepingCapacity: true)
                $0.bytes = 0
            }
            $0.entries[key] = value
            $0.bytes += size
        }
    }

    /// Drops one entry; call after the write committed.
    func forget(_ key: Key) {
        state.withLock {
            $0.generation &+= 1
            if let old = $0.entries.removeValue(forKey: key) { $0.bytes -= cost(old) }
        }
    }

    /// Drops the entries matching `predicate`; call after the write committed.
    func forget(where predicate: (Key) -> Bool) {
        state.withLock { state in
            state.generation &+= 1
            state.entries = state.entries.filter { !predicate($0.key) }
            state.bytes = state.entries.values.reduce(0) { $0 + cost($1) }
        }
    }
}
