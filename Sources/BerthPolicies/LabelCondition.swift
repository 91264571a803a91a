/// A condition on an artifact's labels: `key` (present, any value) or
/// `key=value` (present with that value).
public struct LabelCondition: Sendable, Equatable {
    public let key: String
    public let value: String?

    /// nil for an empty key or one past 256 characters.
    public init?(_ text: String) {
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let key = String(parts[0])
        guard !key.isEmpty, key.count <= 256, text.count <= 4096 else { return nil }
        self.key = key
        value = parts.count > 1 ? String(parts[1]) : nil
    }

    public func holds(for labels: [String: String]) -> Bool {
        guard let found = labels[key] else { return false }
        return value.map { $0 == found } ?? true
    }
}
