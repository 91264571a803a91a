import BerthMetadata
import BerthPolicies
import BerthServer
import Foundation
import NIOHTTP1
import OCI
import Testing

/// The seams new rules plug into: a push policy and a pull policy, each
/// one type registered in one line, refuse with their own message.
@Suite("Push and pull policy chains")
struct PolicyChainTests {
    /// Tag conventions: `latest` may not be pushed alone.
    struct NoLatest: PushPolicy {
        func admitManifest(_ manifest: Manifest, tag: OCI.Tag?, into repository: RepositoryName) async throws -> PushConditions {
            if tag?.value == "latest" {
                throw RegistryError(.denied, "policy tag-conventions, rule no-latest: push a version tag", detail: ["policy": "tag-conventions"])
            }
            return .init()
        }
    }

    /// Blocks manifests carrying an annotation, as a vulnerability policy would block a vulnerable one.
    struct Blocked: PullPolicy {
        func admitPull(of manifest: StoredManifest, from repository: RepositoryName, reference: Reference) async throws {
            if String(decoding: manifest.content, as: UTF8.self).contains("org.example.blocked") {
                throw RegistryError(.denied, "policy blocked-annotation: this artifact is blocked", detail: ["policy": "blocked-annotation"])
            }
        }
    }

    @Test func registeredPoliciesRefuseWithTheirOwnMessage() async throws {
        let registry = try await TestRegistry.start(extensions: Extensions(push: [NoLatest()], pull: [Blocked()]))
        let config = Content.json(["architecture": "amd64", "os": "linux"])
        try await registry.pushBlob("team/app", config)
        let plain = Content.imageManifest(config: config, layers: [])
        let latest = try await registry.request(.PUT, "/v2/team/app/manifests/latest", headers: [("Content-Type", MediaType.ociManifest)], body: plain)
        #expect(latest.status == 403 && latest.errorCodes == ["DENIED"] && latest.text.contains("rule no-latest"), "\(latest.text)")
        try await registry.pushManifest("team/app", "v1", plain)
        #expect(try await registry.request(.GET, "/v2/team/app/manifests/v1").status == 200)

        let blocked = Content.imageManifest(config: config, layers: [], extra: ["annotations": ["org.example.blocked": "yes"]])
        let digest = try await registry.pushManifest("team/app", "v2", blocked)
        for path in ["/v2/team/app/manifests/v2", "/v2/team/app/manifests/\(digest)"] {
            let pull = try await registry.request(.GET, path)
            #expect(pull.status == 403 && pull.text.contains("policy blocked-annotation"), "\(path): \(pull.text)")
        }
        try await registry.stop()
    }
}
