import Synchronization

/// Values computed once per key, shared across tasks; bounded by emptying
/// itself when full (the keys a matcher sees repeat, so it refills with the
/// ones still in use). A failed computation (nil) is remembered too.
public final class BoundedMemo<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let values = Mutex<[Key: Value?]>([:])
    let capacity: Int

    public init(capacity: Int) { self.capacity = capacity }

    public func value(_ key: Key, _ compute: () -> Value?) -> Value? {
        if let known = values.withLock({ $0[key] }) { return known }
        let value = compute()
        values.withLock { values in
            if values.count >= capacity { values.removeAll(keepingCapacity: true) }
            values[key] = .some(value)
        }
        return value
    }
}
