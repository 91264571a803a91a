import BerthMetadata
import BerthPolicies
import BerthRegistry
import Foundation
import Logging
import OCI

/// An outbox consumer: when a pushed manifest is a signature (a referrer,
/// or cosign's `sha256-<hex>.sig`) that the project's signing policy
/// trusts, records `signature.trusted` for its subject, so webhooks can
/// tell a deployment that an image is now signed. Its event takes the id
/// of the push's, so seeing a push twice records it once in the audit log.
public struct TrustedSignatureAnnouncer: EventConsumer {
    public let name = "trusted signatures"
    let settings: any ProjectSettingStore
    let metadata: any MetadataStore
    let verifier: SignatureVerifier
    let events: any EventSink
    let logger: Logger

    public init(settings: any ProjectSettingStore, metadata: any MetadataStore, verifier: SignatureVerifier, events: any EventSink, logger: Logger) {
        (self.settings, self.metadata, self.verifier, self.events, self.logger) = (settings, metadata, verifier, events, logger)
    }

    public func consume(_ entries: [OutboxEntry]) async throws {
        for entry in entries where entry.event.kind == .artifactPushed {
            try await announce(entry.event)
        }
    }

    private func announce(_ push: RegistryEvent) async throws {
        guard let project = push.project, let name = push.repository, let repository = try? RepositoryName(parsing: name),
              let digest = push.digest.flatMap({ try? Digest(parsing: $0) }),
              let text = try await settings.setting(.signing, of: project),
              let policy = try? JSONDecoder().decode(SigningPolicy.self, from: Data(text.utf8)),
              let stored = try await metadata.manifest(repository, .digest(digest)),
              let manifest = try? Manifest(parsing: [UInt8](stored.content), contentType: stored.mediaType),
              let subject = manifest.subject?.digest ?? Self.cosignSubject(push.tag),
              let signed = try await metadata.manifest(repository, .digest(subject))
        else { return }
        let verdict = try await verifier.verdict(of: subject, bytes: signed.content, in: repository, anchors: TrustAnchors(policy, text: text))
        let trusting = verdict.signatures.filter { $0.digest == digest && !$0.trustedBy.isEmpty }
        guard let first = trusting.first else { return }
        var event = RegistryEvent(
            .signatureTrusted, actor: Actor(name: push.actor, kind: push.actorKind, source: push.source), repository: repository,
            digest: subject, detail: "\(first.format) signature \(digest) trusted by \(Set(trusting.flatMap(\.trustedBy)).sorted().joined(separator: ", "))")
        event.id = "signature-" + push.id
        events.record(event)
        logger.info("trusted signature", metadata: ["repository": "\(repository)", "subject": "\(subject)", "signature": "\(digest)"])
    }

    /// The subject of cosign's `sha256-<hex>.sig`.
    static func cosignSubject(_ tag: String?) -> Digest? {
        guard let tag, tag.hasSuffix(".sig"), TagConventions.namesADigest(tag) else { return nil }
        return try? Digest(parsing: "sha256:" + tag.dropFirst(7).prefix(64))
    }
}
