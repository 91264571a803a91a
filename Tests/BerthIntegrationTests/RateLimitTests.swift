import BerthPolicies
import Foundation
import NIOHTTP1
import OCI
import Testing

@Suite("Pull rate limits")
struct RateLimitTests {
    static let accept = ("Accept", "*/*")

    @Test func manifestGetsCountPerCallerAndHeadsAreFree() async throws {
        let (registry, _) = try await AuthTests.start {
            $0.rateLimits = PullRateLimits(anonymous: RateLimit("3/1h"), users: RateLimit("5/1h"))
        }
        _ = try await registry.pushImage("open/app", tag: "v1", headers: [AuthTests.basic("admin")])
        let anonymous = ("Authorization", "Bearer " + (try await AuthTests.token(registry, user: nil, scope: "repository:open/app:pull")))
        for _ in 0..<5 {
            let head = try await registry.request(.HEAD, "/v2/open/app/manifests/v1", headers: [anonymous, Self.accept])
            #expect(head.status == 200 && head.header("RateLimit-Remaining") == nil, "a HEAD is free")
        }
        for remaining in [2, 1, 0] {
            let pulled = try await registry.request(.GET, "/v2/open/app/manifests/v1", headers: [anonymous, Self.accept])
            #expect(pulled.status == 200)
            #expect(pulled.header("RateLimit-Limit") == "3;w=3600")
            #expect(pulled.header("RateLimit-Remaining") == "\(remaining);w=3600")
        }
        let refused = try await registry.request(.GET, "/v2/open/app/manifests/v1", headers: [anonymous, Self.accept])
        #expect(refused.status == 429 && refused.errorCodes == ["TOOMANYREQUESTS"], "\(refused.text)")
        let retry = try #require(refused.header("Retry-After").flatMap(Int.init))
        #expect((1...3600).contains(retry))
        #expect(refused.header("RateLimit-Remaining") == "0;w=3600")
        #expect(try await registry.request(.HEAD, "/v2/open/app/manifests/v1", headers: [anonymous, Self.accept]).status == 200)

        // A user has a bucket of their own.
        for remaining in (0..<5).reversed() {
            let pulled = try await registry.request(.GET, "/v2/open/app/manifests/v1", headers: [AuthTests.basic("dev"), Self.accept])
            #expect(pulled.status == 200 && pulled.header("RateLimit-Remaining") == "\(remaining);w=3600", "\(pulled.status)")
        }
        #expect(try await registry.request(.GET, "/v2/open/app/manifests/v1", headers: [AuthTests.basic("dev"), Self.accept]).status == 429)
        try await registry.stop()
    }

    @Test func aProjectLimitCountsEveryCaller() async throws {
        // Windows are fixed slots: an hour's makes a slot boundary inside the test (its five pulls would straddle it) unlikely.
        let (registry, _) = try await AuthTests.start { $0.rateLimits = PullRateLimits(projects: RateLimit("4/1h")) }
        _ = try await registry.pushImage("team/app", tag: "v1", headers: [AuthTests.basic("admin")])
        for user in ["guest", "dev", "maint", "guest"] {
            #expect(try await registry.request(.GET, "/v2/team/app/manifests/v1", headers: [AuthTests.basic(user), Self.accept]).status == 200)
        }
        let refused = try await registry.request(.GET, "/v2/team/app/manifests/v1", headers: [AuthTests.basic("admin"), Self.accept])
        #expect(refused.status == 429 && refused.text.contains("project"), "\(refused.text)")
        #expect((1...3600).contains(refused.header("Retry-After").flatMap(Int.init) ?? 0))
        try await registry.stop()
    }

    @Test func limitsParseOrSayWhy() {
        #expect(RateLimit("100/6h")?.header == "100;w=21600")
        #expect(RateLimit("1/1s")?.window == 1 && RateLimit("5000/30d")?.window == 2_592_000)
        for invalid in ["", "100", "0/1h", "-1/1h", "100/0h", "100/31d", "100/6x", "100/h", "1/1h/1", "99999999999/1h"] {
            #expect(RateLimit(invalid) == nil, "\(invalid)")
        }
    }
}
