import BerthClient
import Testing

@Suite("Image references as people write them")
struct ImageReferenceTests {
    @Test func hostsPathsTagsAndDigests() throws {
        let hub = try #require(ImageReference("alpine:3.20"))
        #expect(hub.host == nil && hub.registry == "registry-1.docker.io" && hub.repository == "library/alpine" && hub.tag == "3.20")
        let local = try #require(ImageReference("localhost:5000/team/app:v1"))
        #expect(local.registry == "localhost:5000" && local.repository == "team/app" && local.tag == "v1")
        let port = try #require(ImageReference("127.0.0.1:8080/app"))
        #expect(port.registry == "127.0.0.1:8080" && port.tag == nil)
        let user = try #require(ImageReference("bitnami/redis:7"))
        #expect(user.registry == "registry-1.docker.io" && user.repository == "bitnami/redis")
        let digest = "sha256:" + String(repeating: "ab", count: 32)
        let pinned = try #require(ImageReference("ghcr.io/org/tool:1.2@\(digest)"))
        #expect(pinned.registry == "ghcr.io" && pinned.tag == "1.2" && pinned.digest?.description == digest)
        #expect(pinned.description == "ghcr.io/org/tool:1.2@\(digest)")
        #expect(ImageReference("docker.io/library/nginx")?.registry == "registry-1.docker.io")
        for invalid in ["", "UPPER/case", "app:", "a//b", "$BASE", "app@sha256:short", "with space", "app:bad tag"] {
            #expect(ImageReference(invalid) == nil, "\(invalid)")
        }
    }
}
