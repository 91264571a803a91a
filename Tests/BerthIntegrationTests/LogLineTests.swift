@testable import BerthServer
import Foundation
import OCI
import Testing

/// The log line formats, without a server: JSON lines must parse whatever
/// a message or a metadata value holds, and times are RFC 3339 in UTC.
@Suite("Log lines")
struct LogLineTests {
    @Test func jsonStringsSurviveAnyText() throws {
        for text in ["plain", "quote \" backslash \\ slash /", "line\nbreak\r\ttab", "\u{0}\u{1}\u{1f}", "ünïcødé 🚢", ""] {
            let document = "{\"v\":" + JSONString.quoted(text) + "}"
            let parsed = try #require(try JSONSerialization.jsonObject(with: Data(document.utf8)) as? [String: String])
            #expect(parsed["v"] == text, "\(document)")
        }
    }

    @Test func timesAreRFC3339InUTCWithMilliseconds() throws {
        let time = LogClock.shared.now()
        #expect(time.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/) != nil, "\(time)")
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let parsed = try #require(formatter.date(from: time))
        #expect(abs(parsed.timeIntervalSinceNow) < 60)
    }
}
