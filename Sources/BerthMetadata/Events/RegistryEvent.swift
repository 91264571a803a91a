import Foundation
import OCI

/// Something that happened: recorded in the audit log and sent to the
/// project's webhooks. Built where the actor is known (the HTTP layer).
public struct RegistryEvent: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case artifactPushed = "artifact.pushed"
        case artifactPulled = "artifact.pulled"
        case artifactDeleted = "artifact.deleted"
        case tagMoved = "tag.moved"
        case tagDeleted = "tag.deleted"
        case blobDeleted = "blob.deleted"
        case quotaExceeded = "quota.exceeded"
        case quotaWarning = "quota.warning"
        case loginFailed = "login.failed"
        case accessDenied = "access.denied"
        case pushRefused = "push.refused"
        /// A delete of a manifest, tag or blob refused (an immutable tag).
        case deleteRefused = "delete.refused"
        /// Projects, members, robots, quotas, rules, webhooks, policies.
        case settingsChanged = "settings.changed"
        case retentionDeleted = "retention.deleted"
        /// A signature that the project's signing policy trusts arrived.
        case signatureTrusted = "signature.trusted"
        /// An artifact's scan (or its rematch after a database update) ended, and how (`detail`: its counts, or why it failed).
        case scanCompleted = "scan.completed"
        case scanFailed = "scan.failed"

        /// Kinds a webhook may subscribe to.
        public static let notifiable: [Kind] = [
            .artifactPushed, .artifactPulled, .artifactDeleted, .tagMoved, .tagDeleted, .quotaExceeded, .quotaWarning,
            .retentionDeleted, .signatureTrusted, .scanCompleted, .scanFailed,
        ]
    }

    public var id: String
    public var kind: Kind
    public var time: Date
    /// User or robot name; nil for anonymous callers.
    public var actor: String?
    /// `user`, `robot`, `anonymous` or `system` (background jobs).
    public var actorKind: String
    /// The caller's address.
    public var source: String?
    public var project: String?
    public var repository: String?
    public var digest: String?
    public var tag: String?
    /// `success` or `failure`.
    public var result: String
    /// What else explains the event: the previous digest of a moved tag,
    /// the refused action, the rule that refused it.
    public var detail: String?

    public init(
        _ kind: Kind, actor: Actor, repository: RepositoryName? = nil, project: String? = nil, digest: Digest? = nil,
        tag: String? = nil, result: String = "success", detail: String? = nil, time: Date = Date()
    ) {
        id = UUID().uuidString.lowercased()
        self.kind = kind
        self.time = time
        self.actor = actor.name
        actorKind = actor.kind
        source = actor.source
        self.project = project ?? repository?.project
        self.repository = repository?.value
        self.digest = digest?.description
        self.tag = tag
        self.result = result
        self.detail = detail
    }
}

/// Who did something, and from where.
public struct Actor: Sendable, Equatable {
    public let name: String?
    public let kind: String
    public let source: String?

    /// A background job of the registry itself.
    public static let system = Actor(name: "berth", kind: "system", source: nil)

    public init(name: String?, kind: String, source: String?) {
        self.name = name
        self.kind = kind
        self.source = source
    }
}

/// Receives events. `record` must return at once: it is called on the
/// request path, which must never wait for an audit write or a webhook.
public protocol EventSink: Sendable {
    func record(_ event: RegistryEvent)
}

/// Hands every event to each of several sinks.
public struct EventFanOut: EventSink {
    let sinks: [any EventSink]

    public init(_ sinks: [any EventSink]) { self.sinks = sinks }

    public func record(_ event: RegistryEvent) {
        for sink in sinks { sink.record(event) }
    }
}

/// Passes every event but pulls on to `sink` (`audit_pulls: false`).
public struct PullsLeftOut: EventSink {
    let sink: any EventSink

    public init(_ sink: any EventSink) { self.sink = sink }

    public func record(_ event: RegistryEvent) {
        if event.kind != .artifactPulled { sink.record(event) }
    }
}
