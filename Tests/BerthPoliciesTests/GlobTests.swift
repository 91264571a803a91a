import BerthPolicies
import Testing

@Suite("Glob patterns of policies")
struct GlobTests {
    @Test(arguments: [
        ("**", "app", true), ("**", "sub/app", true), ("*", "app", true), ("*", "sub/app", false),
        ("sub/*", "sub/app", true), ("sub/**", "sub/a/b", true), ("v*", "v1.2", true), ("v*", "1.2", false),
        ("[0-9]*.[0-9]*.[0-9]*", "1.22.3", true), ("[0-9]*.[0-9]*.[0-9]*", "v1.2.3", false), ("[0-9]*.[0-9]*.[0-9]*", "1.2", false),
        ("release-?", "release-1", true), ("release-?", "release-10", false), ("[!a-z]*", "1x", true), ("[!a-z]*", "x1", false),
        ("latest", "latest", true), ("latest", "latest2", false),
    ])
    func matching(_ pattern: String, _ text: String, _ expected: Bool) throws {
        let glob = try #require(Glob(pattern))
        #expect(glob.matches(text) == expected)
    }

    @Test func malformedPatterns() {
        for bad in ["", "[", "[a-", "[z-a]", String(repeating: "a", count: 300)] {
            #expect(Glob(bad) == nil, "\(bad)")
        }
    }
}
