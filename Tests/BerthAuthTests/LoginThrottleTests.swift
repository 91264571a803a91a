import BerthAuth
import Foundation
import Testing

@Suite("Sign-in throttling")
struct LoginThrottleTests {
    @Test func failuresDelayThenExpire() async {
        let throttle = LoginThrottle(freeFailures: 3, addressFailures: 6, maxDelay: 60, window: 600)
        let start = Date(timeIntervalSince1970: 1_000_000)
        for i in 0..<3 {
            #expect(await throttle.delay(user: "a", address: "1.2.3.4", now: start) == 0)
            await throttle.failed(user: "a", address: "1.2.3.4", now: start.addingTimeInterval(Double(i)))
        }
        let later = start.addingTimeInterval(2)
        #expect(await throttle.delay(user: "a", address: "1.2.3.4", now: later) > 0)  // the user, from that address
        #expect(await throttle.delay(user: "a", address: "9.9.9.9", now: later) == 0)  // not locked out elsewhere
        #expect(await throttle.delay(user: "b", address: "1.2.3.4", now: later) == 0)  // the address has more tries
        for i in 3..<8 { await throttle.failed(user: "c\(i)", address: "1.2.3.4", now: start.addingTimeInterval(Double(i))) }
        #expect(await throttle.delay(user: "b", address: "1.2.3.4", now: start.addingTimeInterval(8)) > 0)  // the address, for anyone
        #expect(await throttle.delay(user: "b", address: "9.9.9.9", now: start.addingTimeInterval(8)) == 0)
        for i in 8..<17 { await throttle.failed(user: "a", address: "5.5.5.5", now: start.addingTimeInterval(Double(i))) }
        let capped = await throttle.delay(user: "a", address: "5.5.5.5", now: start.addingTimeInterval(16))
        #expect(capped > 30 && capped <= 60)
        #expect(await throttle.delay(user: "a", address: "5.5.5.5", now: start.addingTimeInterval(16 + 61)) == 0)
        await throttle.succeeded(user: "a", address: "1.2.3.4")
        #expect(await throttle.delay(user: "a", address: "1.2.3.4", now: start.addingTimeInterval(8)) > 0)  // the address still counts
        #expect(await throttle.delay(user: "a", address: "7.7.7.7", now: start.addingTimeInterval(8)) == 0)
    }
}
