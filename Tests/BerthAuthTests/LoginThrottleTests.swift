import BerthAuth
import Foundation
import Testing

@Suite("Sign-in throttling")
struct LoginThrottleTests {
    @Test func failuresDelayThenExpire() async {
        let throttle = LoginThrottle(freeFailures: 3, maxDelay: 60, window: 600)
        let start = Date(timeIntervalSince1970: 1_000_000)
        for i in 0..<3 {
            #expect(await throttle.delay(user: "a", address: "1.2.3.4", now: start) == 0)
            await throttle.failed(user: "a", address: "1.2.3.4", now: start.addingTimeInterval(Double(i)))
        }
        let later = start.addingTimeInterval(2)
        #expect(await throttle.delay(user: "a", address: "9.9.9.9", now: later) > 0)  // the user, from anywhere
        #expect(await throttle.delay(user: "b", address: "1.2.3.4", now: later) > 0)  // the address, for anyone
        #expect(await throttle.delay(user: "b", address: "9.9.9.9", now: later) == 0)
        for i in 3..<12 { await throttle.failed(user: "a", address: "1.2.3.4", now: start.addingTimeInterval(Double(i))) }
        let capped = await throttle.delay(user: "a", address: "5.5.5.5", now: start.addingTimeInterval(11))
        #expect(capped > 30 && capped <= 60)
        #expect(await throttle.delay(user: "a", address: "5.5.5.5", now: start.addingTimeInterval(11 + 61)) == 0)
        await throttle.succeeded(user: "a")
        #expect(await throttle.delay(user: "a", address: "5.5.5.5", now: start.addingTimeInterval(12)) == 0)
    }
}
