import Foundation
import OCI

/// How pages write values people read: sizes in binary units, times
/// relative to now (with the exact time for a `title`), short digests.
enum Formatting {
    static func size(_ bytes: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var value = Double(max(0, bytes))
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(Int(value)) B" : String(format: value < 10 ? "%.1f %@" : "%.0f %@", value, units[unit])
    }

    /// `sha256:` and the first 12 hex characters.
    static func shortDigest(_ digest: String) -> String {
        guard let colon = digest.firstIndex(of: ":") else { return String(digest.prefix(19)) }
        return String(digest[...colon]) + digest[digest.index(after: colon)...].prefix(12)
    }

    /// A time for a page: `3 hours ago`, with its exact ISO form.
    struct Time: Sendable {
        let relative: String
        let exact: String
    }

    static func time(_ date: Date, now: Date = Date()) -> Time {
        Time(relative: relative(date, now: now), exact: exact(date))
    }

    static func exact(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false).timeZone(separator: .omitted))
    }

    static func relative(_ date: Date, now: Date) -> String {
        let seconds = Int(now.timeIntervalSince(date))
        guard seconds >= 0 else { return "just now" }
        let steps: [(Int, String)] = [(86400 * 365, "year"), (86400 * 30, "month"), (86400, "day"), (3600, "hour"), (60, "minute")]
        for (length, name) in steps where seconds >= length {
            let n = seconds / length
            return "\(n) \(name)\(n == 1 ? "" : "s") ago"
        }
        return "just now"
    }
}
