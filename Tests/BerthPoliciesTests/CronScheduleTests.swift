import BerthPolicies
import Foundation
import Testing

@Suite("Cron schedules")
struct CronScheduleTests {
    /// 2026-11-29 10:17:30 UTC, a Sunday.
    let start = Date(timeIntervalSince1970: 1_795_947_450)

    func utc(_ text: String) -> Date {
        let formatter = ISO8601DateFormatter()
        return formatter.date(from: text)!
    }

    @Test func nextFiringTimes() throws {
        let cases: [(String, String)] = [
            ("* * * * *", "2026-11-29T10:18:00Z"),
            ("*/15 * * * *", "2026-11-29T10:30:00Z"),
            ("0 3 * * *", "2026-11-30T03:00:00Z"),
            ("@daily", "2026-11-30T00:00:00Z"),
            ("@hourly", "2026-11-29T11:00:00Z"),
            ("30 2 1 * *", "2026-12-01T02:30:00Z"),
            ("0 0 * * 1-5", "2026-11-30T00:00:00Z"),
            ("0 12 * * 7", "2026-11-29T12:00:00Z"),
            ("0 0 1 1 *", "2027-01-01T00:00:00Z"),
            ("5,10 9-10 * * *", "2026-11-30T09:05:00Z"),
            ("0 0 29 2 *", "2028-02-29T00:00:00Z"),
            // Either day field matches when both are restricted.
            ("0 0 15 * 1", "2026-11-30T00:00:00Z"),
        ]
        #expect(utc("2026-11-29T10:17:30Z") == start)
        for (expression, expected) in cases {
            let schedule = try #require(CronSchedule(expression), "\(expression)")
            #expect(schedule.next(after: start) == utc(expected), "\(expression)")
        }
        // Strictly after: a date on a firing minute yields the next one.
        #expect(CronSchedule("0 * * * *")!.next(after: utc("2026-11-29T10:00:00Z")) == utc("2026-11-29T11:00:00Z"))
    }

    @Test func rejectsMalformedExpressions() {
        for bad in ["", "* * * *", "* * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *", "* * * * 8",
                    "*/0 * * * *", "5-1 * * * *", "a * * * *", "1,,2 * * * *", "@yearly"] {
            #expect(CronSchedule(bad) == nil, "\(bad)")
        }
    }
}
