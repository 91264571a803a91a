import BerthMetadata
import BerthSigning
import Foundation
import OCI

/// What an artifact's signatures say under its project's signing policy,
/// for anyone with a role in the project.
public struct SignatureService: Sendable {
    let verifier: SignatureVerifier
    let content: any MetadataStore
    let settings: any ProjectSettingStore
    let permissions: ManagementPermissions

    public func verdict(repository name: String, digest text: String, by requester: Requester) async throws -> SignatureVerdict {
        let repository = try RepositoryName(parsing: name)
        let digest = try Digest(parsing: text)
        try await permissions.check(.projectRole(.guest, in: repository.project), requester)
        guard let stored = try await content.manifest(repository, .digest(digest)) else {
            throw RegistryError(.manifestUnknown, "no manifest \(digest) in \(repository)", status: 404)
        }
        let text = try await settings.setting(.signing, of: repository.project) ?? "{}"
        let policy = try JSONDecoder().decode(SigningPolicy.self, from: Data(text.utf8))
        return try await verifier.verdict(of: digest, bytes: stored.content, in: repository, anchors: TrustAnchors(policy, text: text))
    }
}
