import OCI

/// A change to what a node's pull cache holds, made by any node: the
/// database announces it at commit (PostgreSQL NOTIFY, from triggers, so
/// every writer is covered: pushes, deletes, garbage collection, project
/// deletion, `berth migrate`, even SQL by hand).
public enum ContentChange: Sendable, Equatable {
    case tag(repository: String, name: String)
    case manifest(repository: String, digest: Digest)
    case blobLink(repository: String, digest: Digest)
    /// A project's setting was set, replaced or removed.
    case setting(project: String, name: String)
    /// A manifest that names others was pushed: a referrer (a signature,
    /// an SBOM) naming its subject, or an index naming its children.
    case relation(repository: String)
    /// A notification this version does not know: drop everything.
    case unknown

    /// The channel the triggers notify on.
    public static let channel = "berth_content"

    /// Parses a notification's payload: a kind, the repository and the key, tab-separated.
    public init(notification payload: String) {
        let parts = payload.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3 else { self = .unknown; return }
        switch parts[0] {
        case "tags": self = .tag(repository: parts[1], name: parts[2])
        case "manifests": self = (try? Digest(parsing: parts[2])).map { .manifest(repository: parts[1], digest: $0) } ?? .unknown
        case "repository_blobs": self = (try? Digest(parsing: parts[2])).map { .blobLink(repository: parts[1], digest: $0) } ?? .unknown
        case "project_settings": self = .setting(project: parts[1], name: parts[2])
        case "relations": self = .relation(repository: parts[1])
        default: self = .unknown
        }
    }

    /// A tag moved or went, a manifest or a blob link went: the changes
    /// that can make a cached answer wrong (caches hold only what exists,
    /// and content under a digest never changes).
    static let triggers = [
        """
        CREATE FUNCTION berth_content_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            changed RECORD;
        BEGIN
            IF TG_OP = 'DELETE' THEN changed := OLD; ELSE changed := NEW; END IF;
            IF TG_TABLE_NAME = 'tags' THEN
                PERFORM pg_notify('\(channel)', 'tags' || chr(9) || changed.repository || chr(9) || changed.name);
            ELSE
                PERFORM pg_notify('\(channel)', TG_TABLE_NAME || chr(9) || changed.repository || chr(9) || changed.digest);
            END IF;
            RETURN NULL;
        END
        $$
        """,
        """
        CREATE TRIGGER tags_moved AFTER UPDATE ON tags FOR EACH ROW
        WHEN (OLD.digest IS DISTINCT FROM NEW.digest) EXECUTE FUNCTION berth_content_changed()
        """,
        "CREATE TRIGGER tags_deleted AFTER DELETE ON tags FOR EACH ROW EXECUTE FUNCTION berth_content_changed()",
        "CREATE TRIGGER manifests_changed AFTER DELETE ON manifests FOR EACH ROW EXECUTE FUNCTION berth_content_changed()",
        "CREATE TRIGGER repository_blobs_changed AFTER DELETE ON repository_blobs FOR EACH ROW EXECUTE FUNCTION berth_content_changed()",
    ]

    /// Any write to a project's settings (cached settings may be absent
    /// ones); and what can change whether an artifact is signed: a
    /// referrer or an index pushed, or a tag named after a digest created
    /// (cosign's `sha256-<hex>.sig`).
    static let settingTriggers = [
        """
        CREATE FUNCTION berth_setting_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            changed RECORD;
        BEGIN
            IF TG_OP = 'DELETE' THEN changed := OLD; ELSE changed := NEW; END IF;
            PERFORM pg_notify('\(channel)', 'project_settings' || chr(9) || changed.project || chr(9) || changed.name);
            RETURN NULL;
        END
        $$
        """,
        """
        CREATE TRIGGER project_settings_changed AFTER INSERT OR UPDATE OR DELETE ON project_settings
        FOR EACH ROW EXECUTE FUNCTION berth_setting_changed()
        """,
        """
        CREATE FUNCTION berth_relation_added() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('\(channel)', 'relations' || chr(9) || NEW.repository || chr(9) || NEW.digest);
            RETURN NULL;
        END
        $$
        """,
        """
        CREATE TRIGGER manifests_relating AFTER INSERT ON manifests FOR EACH ROW
        WHEN (NEW.subject IS NOT NULL OR NEW.media_type IN ('\(MediaType.ociIndex)', '\(MediaType.dockerManifestList)'))
        EXECUTE FUNCTION berth_relation_added()
        """,
        """
        CREATE TRIGGER tags_named_after_digests AFTER INSERT ON tags FOR EACH ROW
        WHEN (NEW.name LIKE 'sha256-%') EXECUTE FUNCTION berth_content_changed()
        """,
    ]
}
