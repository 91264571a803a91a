import Foundation
import NIOHTTP1
import OCI
import Testing

@Suite("Routing, names and spec error bodies")
struct RoutingTests {
    @Test func baseEndpointAndHealth() async throws {
        let registry = try await TestRegistry.start()
        for path in ["/v2/", "/v2"] {
            let base = try await registry.request(.GET, path)
            #expect(base.status == 200)
            #expect(base.header("Docker-Distribution-API-Version") == "registry/2.0")
        }
        // /healthz answers 503 while its 2-second `SELECT 1` waits (PostgreSQL on a loaded
        // CI machine did, once): a few tries, a second apart, then it must be 200.
        var health = try await registry.request(.GET, "/healthz").status
        for _ in 0..<5 where health != 200 {
            try await Task.sleep(for: .seconds(1))
            health = try await registry.request(.GET, "/healthz").status
        }
        #expect(health == 200)
        #expect(try await registry.request(.GET, "/v2/").header("X-Request-Id") != nil)
        try await registry.stop()
    }

    @Test func unknownRoutesAndMethodsGetJSONErrors() async throws {
        let registry = try await TestRegistry.start()
        // Outside the APIs, a path is the web UI's: its 404 is a page.
        let page = try await registry.request(.GET, "/nope")
        #expect(page.status == 404 && page.header("Content-Type") == "text/html; charset=utf-8")
        for path in ["/v2/team/app/whatever/x", "/v2/team"] {
            let response = try await registry.request(.GET, path)
            #expect(response.status == 404, "\(path)")
            #expect(response.header("Content-Type") == "application/json")
            #expect(response.errorCodes == ["UNSUPPORTED"])
        }
        let wrongMethod = try await registry.request(.POST, "/v2/team/app/manifests/latest")
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.errorCodes == ["UNSUPPORTED"])
        try await registry.stop()
    }

    @Test func repositoryNamesFollowTheGrammar() async throws {
        let registry = try await TestRegistry.start()
        let long = String(repeating: "a", count: 250) + "/" + String(repeating: "b", count: 10)
        for bad in ["Team/app", "team//app", "-team/app", "team/app-", "team/a..b", "team/a___b", long] {
            let response = try await registry.request(.GET, "/v2/\(bad)/tags/list")
            #expect(response.status == 400, "\(bad)")
            #expect(response.errorCodes == ["NAME_INVALID"], "\(bad)")
        }
        for good in ["a", "team/sub/app", "a.b_c__d---e/f"] {
            let response = try await registry.request(.GET, "/v2/\(good)/tags/list")
            #expect(response.errorCodes == ["NAME_UNKNOWN"], "\(good)")
        }
        let badTag = try await registry.request(.PUT, "/v2/team/app/manifests/.bad", body: Array("{}".utf8))
        #expect(badTag.status == 400)
        try await registry.stop()
    }
}
