import Foundation

/// A five-field cron expression (minute hour day-of-month month
/// day-of-week, in UTC) with `*`, lists, ranges and `/` steps, plus the
/// shorthands `@hourly`, `@daily`, `@weekly` and `@monthly`. As in cron, when
/// both day fields are restricted a day matching either one fires.
public struct CronSchedule: Sendable, Equatable, CustomStringConvertible {
    public let description: String
    private let minutes: Set<Int>
    private let hours: Set<Int>
    private let days: Set<Int>
    private let months: Set<Int>
    private let weekdays: Set<Int>
    private let daysRestricted: Bool
    private let weekdaysRestricted: Bool

    public init?(_ expression: String) {
        let shorthands = ["@hourly": "0 * * * *", "@daily": "0 0 * * *", "@weekly": "0 0 * * 0", "@monthly": "0 0 1 * *"]
        let trimmed = expression.trimmingCharacters(in: .whitespaces)
        let fields = (shorthands[trimmed] ?? trimmed).split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard fields.count == 5,
              let minutes = Self.field(fields[0], 0...59), let hours = Self.field(fields[1], 0...23),
              let days = Self.field(fields[2], 1...31), let months = Self.field(fields[3], 1...12),
              var weekdays = Self.field(fields[4], 0...7)
        else { return nil }
        if weekdays.remove(7) != nil { weekdays.insert(0) }  // 7 is Sunday too
        description = trimmed
        (self.minutes, self.hours, self.days, self.months, self.weekdays) = (minutes, hours, days, months, weekdays)
        daysRestricted = fields[2] != "*"
        weekdaysRestricted = fields[4] != "*"
    }

    private static func field(_ text: String, _ bounds: ClosedRange<Int>) -> Set<Int>? {
        var values = Set<Int>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { return nil }
            var step = 1
            if pieces.count == 2 {
                guard let s = Int(pieces[1]), s > 0 else { return nil }
                step = s
            }
            let range: ClosedRange<Int>
            if pieces[0] == "*" {
                range = bounds
            } else if let dash = pieces[0].firstIndex(of: "-") {
                guard let low = Int(pieces[0][..<dash]), let high = Int(pieces[0][pieces[0].index(after: dash)...]), low <= high
                else { return nil }
                range = low...high
            } else {
                // Checked before the range is made: `60/5` would make 60...59, which traps.
                guard let value = Int(pieces[0]), bounds.contains(value) else { return nil }
                range = value...(pieces.count == 2 ? bounds.upperBound : value)
            }
            guard bounds.contains(range.lowerBound), bounds.contains(range.upperBound) else { return nil }
            values.formUnion(stride(from: range.lowerBound, through: range.upperBound, by: step))
        }
        return values.isEmpty ? nil : values
    }

    /// The first minute strictly after `date` that matches, within four years.
    public func next(after date: Date) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var candidate = Date(timeIntervalSince1970: (date.timeIntervalSince1970 / 60).rounded(.down) * 60 + 60)
        let limit = date.addingTimeInterval(4 * 366 * 86400)
        while candidate < limit {
            let c = calendar.dateComponents([.month, .day, .weekday, .hour, .minute], from: candidate)
            guard months.contains(c.month!) else {
                candidate = calendar.date(byAdding: .month, value: 1, to: startOfMonth(candidate, calendar))!
                continue
            }
            guard dayMatches(day: c.day!, weekday: c.weekday! - 1) else {
                candidate = calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: candidate))!
                continue
            }
            guard hours.contains(c.hour!) else {
                candidate = calendar.date(byAdding: .minute, value: 60 - c.minute!, to: candidate)!
                continue
            }
            guard minutes.contains(c.minute!) else {
                candidate = candidate.addingTimeInterval(60)
                continue
            }
            return candidate
        }
        return nil
    }

    private func dayMatches(day: Int, weekday: Int) -> Bool {
        switch (daysRestricted, weekdaysRestricted) {
        case (true, true): days.contains(day) || weekdays.contains(weekday)
        case (true, false): days.contains(day)
        case (false, true): weekdays.contains(weekday)
        case (false, false): true
        }
    }

    private func startOfMonth(_ date: Date, _ calendar: Calendar) -> Date {
        calendar.date(from: calendar.dateComponents([.year, .month], from: date))!
    }
}
