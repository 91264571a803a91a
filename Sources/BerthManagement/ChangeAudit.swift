import BerthMetadata

/// Records each successful change a management service makes as one
/// `settings.changed` entry of the audit log: who, from where, in which
/// project, and what was changed. The services record it, not a surface,
/// so a change made in the web UI is audited exactly like one made
/// through `/api/v1`. (Refusals are audited by the surfaces, which see
/// the requests a service never receives.)
struct ChangeAudit: Sendable {
    enum Verb: String {
        case created, changed, deleted, ran
    }

    let events: any EventSink

    /// `resource` is its path below `/api/v1` (`projects/team/members/alice`),
    /// which names it the same way whichever surface changed it.
    func record(_ requester: Requester, _ verb: Verb, _ resource: String, project: String? = nil) {
        events.record(RegistryEvent(.settingsChanged, actor: requester.actor, project: project, detail: "\(verb.rawValue) \(resource)"))
    }
}
