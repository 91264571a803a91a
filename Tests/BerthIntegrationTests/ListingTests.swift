import Foundation
import NIOHTTP1
import OCI
import Testing

@Suite("Tags and catalog listings with pagination")
struct ListingTests {
    private func tagNames(_ response: TestResponse) throws -> [String] {
        try #require(try response.json()["tags"] as? [String])
    }

    @Test func tagsAreSortedAndPaginated() async throws {
        let registry = try await TestRegistry.start()
        let (manifest, _) = try await registry.pushImage("team/app", tag: "v1")
        let names = ["v1", "B", "a", "v10", "v2", "1.0", "_x"]
        for name in names.dropFirst() { try await registry.pushManifest("team/app", name, manifest) }
        let sorted = names.sorted()  // byte order, as the spec's lexical order

        let whole = try await registry.request(.GET, "/v2/team/app/tags/list")
        #expect(try tagNames(whole) == sorted)
        #expect(try whole.json()["name"] as? String == "team/app")
        #expect(whole.header("Link") == nil)

        var collected: [String] = []
        var next: String? = "/v2/team/app/tags/list?n=3"
        var pages = 0
        while let path = next, pages < 10 {
            let page = try await registry.request(.GET, path)
            #expect(page.status == 200)
            collected += try tagNames(page)
            next = page.header("Link").map { String($0.dropFirst().prefix { $0 != ">" }) }
            pages += 1
        }
        #expect(collected == sorted)
        #expect(pages == 3)

        #expect(try tagNames(try await registry.request(.GET, "/v2/team/app/tags/list?n=0")) == [])
        #expect(try tagNames(try await registry.request(.GET, "/v2/team/app/tags/list?last=zzz")) == [])
        #expect(try tagNames(try await registry.request(.GET, "/v2/team/app/tags/list?n=2&last=a")) == Array(sorted.drop { $0 <= "a" }.prefix(2)))
        let exact = try await registry.request(.GET, "/v2/team/app/tags/list?n=\(names.count)")
        #expect(exact.header("Link") == nil)

        let bad = try await registry.request(.GET, "/v2/team/app/tags/list?n=-1")
        #expect(bad.status == 400)
        #expect(bad.errorCodes == ["PAGINATION_NUMBER_INVALID"])
        let unknown = try await registry.request(.GET, "/v2/team/none/tags/list")
        #expect(unknown.status == 404)
        #expect(unknown.errorCodes == ["NAME_UNKNOWN"])
        try await registry.stop()
    }

    @Test func catalogIsPaginated() async throws {
        let registry = try await TestRegistry.start()
        let repositories = ["team/b", "team/a", "other/x/y", "team/c"]
        for repository in repositories { try await registry.pushBlob(repository, Content.randomBytes(10)) }
        let whole = try await registry.request(.GET, "/v2/_catalog")
        #expect(try whole.json()["repositories"] as? [String] == repositories.sorted())

        let first = try await registry.request(.GET, "/v2/_catalog?n=2")
        #expect(try first.json()["repositories"] as? [String] == ["other/x/y", "team/a"])
        #expect(first.header("Link") == "</v2/_catalog?last=team/a&n=2>; rel=\"next\"")
        let second = try await registry.request(.GET, "/v2/_catalog?n=2&last=team/a")
        #expect(try second.json()["repositories"] as? [String] == ["team/b", "team/c"])
        #expect(second.header("Link") == nil)
        #expect(try (await registry.request(.GET, "/v2/_catalog?n=0")).json()["repositories"] as? [String] == [])
        try await registry.stop()
    }
}
