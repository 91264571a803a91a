import BerthMetadata
import BerthPolicies
import Foundation
import OCI
import Synchronization

/// On the pull chain: in a project whose signing policy says
/// `require_trusted`, a manifest is served only when trusted, for every
/// caller (administrators too):
///
/// - it carries a trusted signature itself; or
/// - it is a child of an index in the repository that does; or
/// - it is an index whose children all do, when `index_policy` is `each`.
///
/// Signatures, SBOMs and other referrers (and cosign's `.sig` / `.att`
/// manifests) are always served, so that clients can verify, unless they
/// carry filesystem layers (an image naming a subject is still an image).
///
/// Decisions are remembered per (repository, digest, policy text); a
/// repository's are dropped when a signature or an index arrives or a
/// manifest goes, told by this node's cache (`CachedMetadataStore`) and,
/// on a shared database, by the database. Concurrent pulls of one
/// artifact wait on one verification.
public final class TrustedSignaturesPolicy: PullPolicy, FollowsChanges {
    let settings: any ProjectSettingStore
    let verifier: SignatureVerifier
    /// Read from the database directly: this policy observes the cache in front of it.
    let metadata: any MetadataStore

    private struct Key: Hashable {
        let repository: String
        let digest: Digest
        let policy: String
    }

    /// A refusal, or an admission (nil) that holds until `until` (a certificate's expiry) when given.
    private struct Decision: Sendable {
        let refusal: RegistryError?
        let until: Date?
    }

    private struct State {
        var decisions: [Key: Decision] = [:]
        var running: [Key: (generation: UInt64, task: Task<Decision, any Error>)] = [:]
        var generation: UInt64 = 0
        /// Parsed policies by their text.
        var policies: [String: (SigningPolicy, TrustAnchors)] = [:]
    }

    private let state = Mutex(State())
    private let trusted: Atomic<Bool>
    static let maxDecisions = 50_000
    /// An index with more children is trusted only through its own signature.
    static let maxChildren = 64

    public init(settings: any ProjectSettingStore, verifier: SignatureVerifier, metadata: any MetadataStore, shared: Bool) {
        self.settings = settings
        self.verifier = verifier
        self.metadata = metadata
        trusted = Atomic(!shared)
    }

    public func admitPull(of manifest: StoredManifest, from repository: RepositoryName, reference: Reference) async throws {
        guard let text = try await settings.setting(.signing, of: repository.project) else { return }
        let (policy, anchors) = try parsed(text)
        guard policy.requireTrusted, policy.covers(String(repository.value.dropFirst(repository.project.count + 1))) else { return }
        let key = Key(repository: repository.value, digest: manifest.digest, policy: anchors.fingerprint)
        var decision = trusted.load(ordering: .acquiring) ? state.withLock { $0.decisions[key] } : nil
        if let until = decision?.until, until <= Date() { decision = nil }
        if decision == nil {
            decision = try await self.decision(key) { try await self.decide(manifest, in: repository, policy, anchors) }
        }
        if let refusal = decision?.refusal { throw refusal }
    }

    /// One verification per key at a time; its answer is kept unless the
    /// repository changed meanwhile.
    private func decision(_ key: Key, _ decide: @escaping @Sendable () async throws -> Decision) async throws -> Decision {
        let task = state.withLock { state -> Task<Decision, any Error> in
            if let running = state.running[key] { return running.task }
            let generation = state.generation
            let task = Task { [self] in
                let result: Result<Decision, any Error>
                do { result = .success(try await decide()) } catch { result = .failure(error) }
                self.state.withLock { state in
                    // A newer verification (after a change) may be running under the same key: leave it.
                    if state.running[key]?.generation == generation { state.running[key] = nil }
                    guard state.generation == generation, case .success(let decision) = result else { return }
                    if state.decisions.count >= Self.maxDecisions { state.decisions.removeAll(keepingCapacity: true) }
                    state.decisions[key] = decision
                }
                return try result.get()
            }
            state.running[key] = (generation, task)
            return task
        }
        return try await task.value
    }

    private func decide(_ stored: StoredManifest, in repository: RepositoryName, _ policy: SigningPolicy, _ anchors: TrustAnchors) async throws -> Decision {
        guard let manifest = try? Manifest(parsing: [UInt8](stored.content), contentType: stored.mediaType) else {
            return Decision(refusal: refusal(stored.digest, in: repository, "its manifest does not parse"), until: nil)
        }
        if Self.isVerificationMaterial(manifest) { return Decision(refusal: nil, until: nil) }
        let own = try await verifier.verdict(of: stored.digest, bytes: stored.content, in: repository, anchors: anchors)
        if own.status == .trusted { return Decision(refusal: nil, until: own.trustedUntil) }
        if manifest.kind == .index, policy.indexPolicy == .each, (1...Self.maxChildren).contains(manifest.manifests.count),
           let until = try await allTrusted(manifest.manifests.map(\.digest), in: repository, anchors)
        {
            return Decision(refusal: nil, until: until)
        }
        for parent in try await metadata.parents(repository, of: stored.digest, limit: 20) {
            if let verdict = try await verdict(of: parent, in: repository, anchors), verdict.status == .trusted {
                return Decision(refusal: nil, until: verdict.trustedUntil)
            }
        }
        let why = own.signatures.compactMap(\.error).first.map { ": \($0)" } ?? ""
        return Decision(refusal: refusal(stored.digest, in: repository, "\(own.status.rawValue)\(why)"), until: nil)
    }

    private func refusal(_ digest: Digest, in repository: RepositoryName, _ why: String) -> RegistryError {
        RegistryError(
            .denied, "signature policy of project \(repository.project): \(repository)@\(digest) has no trusted signature (\(why))",
            detail: ["policy": "signature", "digest": digest.description])
    }

    /// When every child is trusted: until the first of them stops being (nil: never); otherwise nil itself.
    private func allTrusted(_ digests: [Digest], in repository: RepositoryName, _ anchors: TrustAnchors) async throws -> Date?? {
        var until: Date?
        for digest in digests {
            guard let verdict = try await verdict(of: digest, in: repository, anchors), verdict.status == .trusted else { return nil }
            if let end = verdict.trustedUntil { until = min(until ?? end, end) }
        }
        return .some(until)
    }

    private func verdict(of digest: Digest, in repository: RepositoryName, _ anchors: TrustAnchors) async throws -> SignatureVerdict? {
        guard let stored = try await metadata.manifest(repository, .digest(digest)) else { return nil }
        return try await verifier.verdict(of: digest, bytes: stored.content, in: repository, anchors: anchors)
    }

    /// What the layers of signatures, attestations and SBOMs are.
    static let verificationLayers: Set<String> = SigstoreBundle.artifactTypes.union([
        CosignSignature.payloadType, "application/vnd.dsse.envelope.v1+json", "application/vnd.in-toto+json",
        NotationSignature.jwsType, NotationSignature.coseType, "application/vnd.oci.empty.v1+json",
        "application/spdx+json", "text/spdx", "application/vnd.cyclonedx+json", "application/vnd.cyclonedx+xml",
    ])

    /// A referrer (signature, SBOM, attestation) or a cosign signature
    /// manifest, which clients need in order to verify: served unsigned.
    /// Only when every layer is of those kinds: a runnable image (or a Helm
    /// chart) does not escape the policy by naming a subject.
    static func isVerificationMaterial(_ manifest: Manifest) -> Bool {
        guard manifest.kind == .image, manifest.subject != nil || manifest.layers.contains(where: { $0.mediaType == CosignSignature.payloadType })
        else { return false }
        return manifest.layers.allSatisfy { verificationLayers.contains($0.mediaType) }
    }

    private func parsed(_ text: String) throws -> (SigningPolicy, TrustAnchors) {
        if let known = state.withLock({ $0.policies[text] }) { return known }
        let policy = try JSONDecoder().decode(SigningPolicy.self, from: Data(text.utf8))
        let parsed = (policy, TrustAnchors(policy, text: text))
        state.withLock {
            if $0.policies.count >= 1_000 { $0.policies.removeAll() }
            $0.policies[text] = parsed
        }
        return parsed
    }

    // MARK: Following changes

    public func changed(_ change: ContentChange) {
        switch change {
        case .relation(let repository), .manifest(let repository, _): forget(repository)
        case .tag(let repository, let name) where name.hasPrefix("sha256-"): forget(repository)
        case .unknown: forgetAll()
        case .tag, .blobLink, .setting: break  // a new policy text is a new key
        }
    }

    public func following() {
        forgetAll()
        trusted.store(true, ordering: .releasing)
    }

    public func lostTrack() {
        trusted.store(false, ordering: .releasing)
        forgetAll()
    }

    private func forget(_ repository: String) {
        state.withLock { state in
            state.generation &+= 1
            state.decisions = state.decisions.filter { $0.key.repository != repository }
            state.running = state.running.filter { $0.key.repository != repository }
        }
    }

    private func forgetAll() {
        state.withLock { state in
            state.generation &+= 1
            state.decisions.removeAll()
            state.running.removeAll()
        }
    }
}
