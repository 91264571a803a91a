import Foundation
import Hummingbird
import NIOCore

/// The OpenAPI 3 description of `/api/v1`, served at `/api/v1/openapi.json`.
/// Kept beside the handlers; a test checks that every route is described
/// and that the document validates.
enum OpenAPIDocument {
    static func response() -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static let bytes: [UInt8] = {
        let document: [String: Any] = [
            "openapi": "3.0.3",
            "info": [
                "title": "Berth management API", "version": "1",
                "description": "Times are RFC 3339 in UTC (2026-12-01T07:31:39Z). A body that does not parse is a 400; only an absent optional body takes the documented defaults.",
            ],
            "security": [["basic": [String]()]],
            "paths": paths,
            "components": [
                "securitySchemes": ["basic": ["type": "http", "scheme": "basic"]],
                "responses": ["Error": ["description": "a spec error body", "content": ["application/json": ["schema": ref("Errors")]]]],
                "schemas": schemas,
            ],
        ]
        return Array(try! JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes]))
    }()

    private static func ref(_ schema: String) -> [String: String] { ["$ref": "#/components/schemas/\(schema)"] }

    private static func op(
        _ summary: String, body: String? = nil, optionalBody: Bool = false, ok: String = "200", returns: [String: Any]? = nil,
        params: [String] = []
    ) -> [String: Any] {
        var success: [String: Any] = ["description": "success"]
        if let returns { success["content"] = ["application/json": ["schema": returns]] }
        var operation: [String: Any] = [
            "summary": summary,
            "parameters": params.map { ["name": $0, "in": "path", "required": true, "schema": ["type": "string"]] as [String: Any] },
            "responses": [ok: success].merging(
                ["400", "401", "403", "404"].map { ($0, ["$ref": "#/components/responses/Error"]) }, uniquingKeysWith: { $1 }),
        ]
        if let body {
            operation["requestBody"] = ["required": !optionalBody, "content": ["application/json": ["schema": ref(body)]]]
        }
        return operation
    }

    private static func list(_ schema: String) -> [String: Any] { ["type": "array", "items": ref(schema)] }

    static var paths: [String: [String: Any]] { [
        "/api/v1/me": ["get": op("The signed-in user")],
        "/api/v1/users": ["get": op("List users (admins)"), "post": op("Create a user (admins)", body: "NewUser", ok: "201")],
        "/api/v1/users/{name}": [
            "get": op("Get a user", params: ["name"]), "patch": op("Change a user", body: "UserChange", params: ["name"]),
            "delete": op("Delete a user (admins)", ok: "204", params: ["name"]),
        ],
        "/api/v1/projects": ["get": op("List visible projects"), "post": op("Create a project", body: "NewProject", ok: "201")],
        "/api/v1/projects/{name}": [
            "get": op("Get a project, with storage_bytes and quota_bytes", params: ["name"]),
            "patch": op("Change visibility (ProjectAdmins) or the quota (admins)", body: "ProjectChange", params: ["name"]),
            "delete": op("Delete a project holding no artifacts, with its members, robots, rules and webhooks (409 otherwise)", ok: "204", params: ["name"]),
        ],
        "/api/v1/projects/{name}/members": [
            "get": op("List members", params: ["name"]), "post": op("Add a member", body: "Member", ok: "201", params: ["name"]),
        ],
        "/api/v1/projects/{name}/members/{user}": [
            "put": op("Change a member's role", body: "Role", params: ["name", "user"]),
            "delete": op("Remove a member", ok: "204", params: ["name", "user"]),
        ],
        "/api/v1/projects/{name}/robots": [
            "get": op("List project robots", params: ["name"]),
            "post": op("Create robot$project+name; the secret is returned once", body: "NewRobot", ok: "201", params: ["name"]),
        ],
        "/api/v1/projects/{name}/robots/{robot}": [
            "patch": op("Change permissions or disable", body: "RobotChange", params: ["name", "robot"]),
            "delete": op("Delete a robot", ok: "204", params: ["name", "robot"]),
        ],
        "/api/v1/projects/{name}/robots/{robot}/secret": ["post": op("Regenerate the secret", params: ["name", "robot"])],
        "/api/v1/robots": ["get": op("List system robots (admins)"), "post": op("Create a system robot (admins)", body: "NewRobot", ok: "201")],
        "/api/v1/robots/{robot}": [
            "patch": op("Change a system robot", body: "RobotChange", params: ["robot"]),
            "delete": op("Delete a system robot", ok: "204", params: ["robot"]),
        ],
        "/api/v1/robots/{robot}/secret": ["post": op("Regenerate a system robot's secret", params: ["robot"])],
        "/api/v1/projects/{name}/immutability-rules": [
            "get": op("List tag immutability rules", params: ["name"]),
            "post": op("Add a rule (Maintainers and above)", body: "ImmutabilityRule", ok: "201", params: ["name"]),
        ],
        "/api/v1/projects/{name}/immutability-rules/{id}": ["delete": op("Delete a rule", ok: "204", params: ["name", "id"])],
        "/api/v1/projects/{name}/retention": [
            "get": op("The retention policy", params: ["name"]),
            "put": op("Set the retention policy (ProjectAdmins)", body: "RetentionPolicy", params: ["name"]),
            "delete": op("Remove the retention policy", ok: "204", params: ["name"]),
        ],
        "/api/v1/projects/{name}/tag-rules": [
            "get": op("The tag rules: semver aliases, conventions, movable tags", params: ["name"]),
            "put": op("Replace the tag rules (ProjectAdmins)", body: "TagRules", params: ["name"]),
            "delete": op("Remove the tag rules", ok: "204", params: ["name"]),
        ],
        "/api/v1/projects/{name}/signing": [
            "get": op("The signing policy: trusted keys and certificates, and whether pulls need a trusted signature", params: ["name"]),
            "put": op("Replace the signing policy (ProjectAdmins)", body: "SigningPolicy", params: ["name"]),
            "delete": op("Remove the signing policy", ok: "204", params: ["name"]),
        ],
        "/api/v1/projects/{name}/scanning": [
            "get": op("The scanning setting: scan on push, the vulnerability pull policy, its allowlist", params: ["name"]),
            "put": op("Replace the scanning setting (ProjectAdmins); allowlist changes apply at once", body: "ScanningSettings", params: ["name"]),
            "delete": op("Remove the scanning setting", ok: "204", params: ["name"]),
        ],
        "/api/v1/system/scanning": [
            "get": op("The system-wide vulnerability allowlist"),
            "put": op("Replace the system-wide allowlist (administrators); only allowlist counts", body: "ScanningSettings"),
        ],
        "/api/v1/me/tokens": [
            "get": op("Your personal access tokens (no secrets)", returns: list("PersonalToken")),
            "post": op("Create a personal access token: its secret is in this answer only", body: "NewPersonalToken", ok: "201",
                       returns: ref("PersonalToken")),
        ],
        "/api/v1/me/tokens/{token}": ["delete": op("Revoke one of your personal access tokens, at once", ok: "204", params: ["token"])],
        "/api/v1/federation/rules": [
            "get": op("Federation rules: which issuers' OIDC tokens are exchanged for registry tokens (admins)", returns: list("FederationRule")),
            "post": op("Add a federation rule (admins)", body: "FederationRule", ok: "201", returns: ref("FederationRule")),
        ],
        "/api/v1/federation/rules/{rule}": ["delete": op("Delete a federation rule (admins)", ok: "204", params: ["rule"])],
        "/api/v1/registries": [
            "get": op("Other registries: proxy projects' upstreams (admins; passwords are never shown)", returns: list("Registry")),
            "post": op("Define a registry (admins)", body: "Registry", ok: "201", returns: ref("Registry")),
        ],
        "/api/v1/registries/{registry}": [
            "get": op("A registry (admins)", returns: ref("Registry"), params: ["registry"]),
            "delete": op("Delete a registry (admins)", ok: "204", params: ["registry"]),
        ],
        "/api/v1/registries/{registry}/ping": [
            "post": op("Whether the registry answers and takes its credentials: ok, or the error", returns: ref("PingAnswer"), params: ["registry"]),
        ],
        "/api/v1/projects/{name}/proxy": [
            "get": op("The upstream of a pull-through cache project", returns: ref("ProxyBinding"), params: ["name"]),
            "put": op("Make the project a pull-through cache of a registry (admins)", body: "ProxyBinding", params: ["name"]),
            "delete": op("Make it an ordinary project again (admins)", ok: "204", params: ["name"]),
        ],
        "/api/v1/replication/rules": [
            "get": op("Replication rules (admins)", returns: list("ReplicationRule")),
            "post": op("Define a replication rule (admins)", body: "ReplicationRule", ok: "201", returns: ref("ReplicationRule")),
        ],
        "/api/v1/replication/rules/{rule}": [
            "get": op("A replication rule (admins)", returns: ref("ReplicationRule"), params: ["rule"]),
            "delete": op("Delete a rule; its executions stay as history (admins)", ok: "204", params: ["rule"]),
        ],
        "/api/v1/replication/rules/{rule}/executions": [
            "get": op("The rule's executions, newest first (?limit=1-1000, 50)", returns: list("ReplicationExecution"), params: ["rule"]),
            "post": op("Run the rule now: queues an execution and returns its id", ok: "201",
                       returns: object(["id": string], required: ["id"]), params: ["rule"]),
        ],
        "/api/v1/replication/executions/{id}": [
            "get": op("An execution, with what it did to each artifact", returns: ref("ReplicationExecution"), params: ["id"]),
        ],
        "/api/v1/vulndb": [
            "get": op("The vulnerability database: records, records per ecosystem, the last import", returns: object([
                "records": ["type": "integer"], "ecosystems": ["type": "object", "additionalProperties": ["type": "integer"]],
                "updated_at": string,
            ])),
            "post": [
                "summary": "Import an OSV all.zip archive (admins; Content-Type: application/zip, up to 512 MiB); answers when it is stored",
                "requestBody": ["required": true, "content": ["application/zip": ["schema": ["type": "string", "format": "binary"]]]],
                "responses": [
                    "200": ["description": "the import's counts", "content": ["application/json": ["schema": object([
                        "read": ["type": "integer"], "stored": ["type": "integer"], "unchanged": ["type": "integer"],
                        "withdrawn": ["type": "integer"], "invalid": ["type": "integer"], "problems": ["type": "array", "items": string],
                    ])]]],
                ].merging(["400", "401", "403", "413", "415"].map { ($0, ["$ref": "#/components/responses/Error"]) }, uniquingKeysWith: { $1 }),
            ] as [String: Any],
        ],
        "/api/v1/scan": [
            "post": op("Scan an artifact now (developers of its project): 202, then GET /api/v1/vulnerabilities", body: "ScanRequest", ok: "202",
                       returns: object(["status": string, "queued": boolean])),
        ],
        "/api/v1/vulnerabilities": [
            "get": op("An artifact's last scan (?repository=&digest=): status none|pending|running|done|failed, summary, vulnerabilities",
                      returns: ref("ScanReport")),
        ],
        "/api/v1/projects/{name}/repositories/{repository}/artifacts": [
            "get": op("A repository's artifacts, newest first (guests): tags, size, push and pull times, scan status and findings per severity; "
                        + "signatures, SBOMs and an index's images are reached through their subject or index. ?limit= (1-1000, 100), ?after= (a page's next) and ?tag= (only artifacts with a tag containing it)",
                      returns: object([
                          "artifacts": ["type": "array", "items": object([
                              "digest": string, "media_type": string, "artifact_type": string, "size": ["type": "integer"], "pushed_at": string,
                              "pulled_at": string, "tags": ["type": "array", "items": string],
                              "scan": object([
                                  "status": ["type": "string", "enum": ["none", "pending", "running", "done", "failed"]], "scanned_at": string,
                                  "summary": ["type": "object", "additionalProperties": ["type": "integer"]],
                              ]),
                          ])],
                          "next": string,
                      ]), params: ["name", "repository"]),
        ],
        "/api/v1/projects/{name}/repositories/{repository}/artifacts/{digest}/scan": [
            "post": op("Scan an artifact now (developers); the repository within the project, its slashes percent-encoded", ok: "202",
                       returns: object(["status": string, "queued": boolean]), params: ["name", "repository", "digest"]),
        ],
        "/api/v1/projects/{name}/repositories/{repository}/artifacts/{digest}/vulnerabilities": [
            "get": op("An artifact's last scan (guests); with Accept: application/vnd.security.vulnerability.report; version=1.1, in Harbor's report format (302 with Refresh-After while none is done)",
                      returns: ref("ScanReport"), params: ["name", "repository", "digest"]),
        ],
        "/api/v1/signatures": [
            "get": op("What an artifact's signatures say (?repository=&digest=)", returns: ref("SignatureVerdict")),
        ],
        "/api/v1/projects/{name}/retention/runs": [
            "get": op("The last retention runs with their reports", returns: list("JobRun"), params: ["name"]),
            "post": op("Apply the policy now, or as a dry run", body: "RunRequest", optionalBody: true, ok: "201", params: ["name"]),
        ],
        "/api/v1/projects/{name}/webhooks": [
            "get": op("List webhooks (ProjectAdmins)", params: ["name"]),
            "post": op("Add a webhook; the secret is returned once", body: "NewWebhook", ok: "201", params: ["name"]),
        ],
        "/api/v1/projects/{name}/webhooks/{id}": ["delete": op("Delete a webhook", ok: "204", params: ["name", "id"])],
        "/api/v1/projects/{name}/webhooks/{id}/deliveries": [
            "get": op("The last 50 deliveries", returns: list("Delivery"), params: ["name", "id"]),
        ],
        "/api/v1/audit": [
            "get": op(
                "Audit entries, newest first; query: project, repository, actor, action, since, until (RFC 3339), limit (1-1000), before",
                returns: ["type": "object", "properties": ["entries": list("AuditEntry"), "next": ["type": "string", "nullable": true]]]),
        ],
        "/api/v1/gc": ["post": op("Collect garbage now, or as a dry run (admins)", body: "CollectRequest", optionalBody: true)],
        "/api/v1/gc/runs": ["get": op("The last garbage collection runs (admins)", returns: list("JobRun"))],
    ] }

    private static func object(_ properties: [String: [String: Any]], required: [String] = []) -> [String: Any] {
        var schema: [String: Any] = ["type": "object", "properties": properties]
        if !required.isEmpty { schema["required"] = required }
        return schema
    }

    private static var string: [String: Any] { ["type": "string"] }
    private static var time: [String: Any] { ["type": "string", "format": "date-time", "description": "RFC 3339, UTC"] }
    private static var boolean: [String: Any] { ["type": "boolean"] }
    private static var role: [String: Any] { ["type": "string", "enum": ["guest", "developer", "maintainer", "projectadmin"]] }
    private static var actions: [String: Any] { ["type": "array", "items": ["type": "string", "enum": ["pull", "push", "delete", "scan"]]] }
    private static var projectActions: [String: Any] { ["type": "object", "additionalProperties": actions] }

    static var schemas: [String: Any] { [
        "NewUser": object(
            ["name": string, "password": ["type": "string", "minLength": 8], "email": string, "admin": boolean],
            required: ["name", "password"]),
        "UserChange": object(["password": ["type": "string", "minLength": 8], "email": string, "admin": boolean, "disabled": boolean]),
        "NewProject": object(["name": string, "public": boolean, "proxy": ref("ProxyBinding")], required: ["name"]),
        "ProjectChange": object(["public": boolean, "quota_bytes": ["type": "integer", "nullable": true, "minimum": 0]]),
        "RetentionPolicy": object([
            "schedule": ["type": "string", "description": "cron, UTC"],
            "rules": ["type": "array", "items": object([
                "repositories": string, "tags": string, "untagged": boolean,
                "keep": ["type": "string", "enum": ["most_recently_pushed", "most_recently_pulled", "pushed_within_days", "pulled_within_days", "always"]],
                "count": ["type": "integer"], "days": ["type": "integer"],
            ], required: ["keep"])],
        ], required: ["rules"]),
        "TagRules": object([
            "semver_aliases": boolean, "latest_alias": boolean,
            "forbid_only": ["type": "array", "items": string, "description": "tags a push may not carry alone"],
            "allowed": [
                "type": "array", "items": string,
                "description": "semver, semver-sha, sha, glob:<pattern> or regex:<pattern>; every pushed tag must match one",
            ],
            "movable": ["type": "array", "items": string, "description": "the only tags that may move: names, globs, or aliases"],
        ]),
        "SigningPolicy": object([
            "keys": ["type": "array", "items": object(["name": string, "public_key": ["type": "string", "description": "PEM"]], required: ["name", "public_key"])],
            "certificates": ["type": "array", "items": object(["name": string, "certificate": ["type": "string", "description": "PEM"]], required: ["name", "certificate"])],
            "require_trusted": boolean,
            "index_policy": ["type": "string", "enum": ["index", "each"]],
            "repositories": ["type": "array", "items": string, "description": "patterns the requirement covers; all when absent"],
        ]),
        "ScanningSettings": object([
            "scan_on_push": ["type": "boolean", "description": "the server's scan_on_push when absent"],
            "block_severity": ["type": "string", "enum": ["none", "low", "medium", "high", "critical"]],
            "while_unscanned": ["type": "string", "enum": ["allow", "block", "allow_if_previous"]],
            "scanner": ["type": "string", "enum": ["builtin", "external", "both"],
                        "description": "Berth's scanner, the scanner_url adapter's (Harbor Pluggable Scanner API), or both; builtin when absent"],
            "allowlist": ["type": "array", "maxItems": 1_000, "items": object([
                "id": ["type": "string", "description": "a vulnerability id or alias (CVE-…)"], "expires_at": time, "comment": string,
                "repositories": ["type": "string", "description": "a pattern relative to the project; all when absent"],
            ], required: ["id"])],
        ]),
        "SignatureVerdict": object([
            "status": ["type": "string", "enum": ["unsigned", "untrusted", "trusted"]],
            "signatures": ["type": "array", "items": object([
                "format": ["type": "string", "enum": ["cosign", "notation"]], "digest": string,
                "trusted_by": ["type": "array", "items": string], "error": ["type": "string", "nullable": true],
            ])],
        ]),
        "FederationRule": object([
            "name": string, "issuer": ["type": "string", "description": "https URL (http only on loopback)"], "audience": string,
            "claims": ["type": "object", "additionalProperties": string, "description": "claim → value or pattern; all must match"],
            "grants": projectActions, "token_lifetime_seconds": ["type": "integer", "minimum": 60, "maximum": 86_400],
        ], required: ["name", "issuer", "audience", "grants"]),
        "Registry": object([
            "name": string, "url": ["type": "string", "description": "https://host[:port], or http:// for plain HTTP"],
            "username": string, "password": ["type": "string", "description": "taken, sealed, never shown"],
            "insecure": boolean, "ca_file": string, "created_at": time,
        ], required: ["name", "url"]),
        "PingAnswer": object(["ok": boolean, "error": string]),
        "ReplicationRule": object([
            "name": string, "direction": ["type": "string", "enum": ["push", "pull"]],
            "registry": ["type": "string", "description": "a registry of /api/v1/registries"],
            "repositories": ["type": "string", "description": "glob over the source's repositories (**)"],
            "tags": ["type": "string", "description": "glob over their tags (**)"],
            "exclude_repositories": string, "exclude_tags": string,
            "destination_namespace": ["type": "string", "description": "replaces the first path component at the destination"],
            "trigger": ["type": "string", "enum": ["manual", "event", "cron"]],
            "cron": ["type": "string", "description": "five fields, for trigger: cron"],
            "replicate_deletions": ["type": "boolean", "description": "push rules with trigger: event"],
            "override": ["type": "boolean", "description": "replace a tag the destination has at another digest (true)"],
            "tag_versions": ["type": "string", "description": "also: tags that are semantic versions in this range (>=1.2.0 <2.0.0, ^1.4.0, ~2.3.1 || >=3.0.0)"],
            "platforms": ["type": "array", "items": ["type": "string"], "description": "of an index, only these images (linux/amd64, linux/arm64/v8); the index is narrowed to them"],
            "labels": ["type": "array", "items": ["type": "string"], "description": "only artifacts with all of these labels (key or key=value; config labels and annotations)"],
            "exclude_labels": ["type": "array", "items": ["type": "string"], "description": "no artifact with any of these labels"],
            "artifact_types": ["type": "array", "items": ["type": "string"], "description": "only artifacts of these types (globs over artifactType, else the config's media type)"],
            "exclude_artifact_types": ["type": "array", "items": ["type": "string"]],
            "bandwidth_kib_per_second": ["type": "integer", "minimum": 1, "maximum": 10_000_000, "description": "the most blob bytes a run reads per second"],
            "enabled": boolean, "created_at": string,
        ], required: ["name", "direction", "registry"]),
        "ReplicationExecution": object([
            "id": string, "rule": string, "trigger": string,
            "status": ["type": "string", "enum": ["pending", "running", "succeeded", "failed"]],
            "repository": string, "reference": string, "deletion": boolean,
            "created_at": time, "started_at": time, "finished_at": time, "error": string,
            "artifacts": ["type": "array", "items": object([
                "repository": string, "destination": string, "reference": string, "digest": string,
                "status": ["type": "string", "enum": ["succeeded", "failed", "skipped"]],
                "bytes": ["type": "integer"], "duration_ms": ["type": "integer"], "error": string,
            ])],
        ]),
        "ScanRequest": object(["repository": string, "digest": string], required: ["repository", "digest"]),
        "ScanReport": object([
            "status": ["type": "string", "enum": ["none", "pending", "running", "done", "failed"]],
            "repository": string, "digest": string, "scanned_at": string, "requested_at": string, "distribution": string,
            "packages": ["type": "integer"], "summary": ["type": "object", "additionalProperties": ["type": "integer"]],
            "vulnerabilities": ["type": "array", "items": object([
                "id": string, "aliases": ["type": "array", "items": string], "package": string, "source_package": string, "ecosystem": string,
                "installed_version": string, "fixed_version": string, "severity": string, "cvss_score": ["type": "number"],
                "cvss_vector": string, "summary": string,
            ])],
            "skipped_layers": ["type": "array", "items": string], "error": string,
        ], required: ["status"]),
        "ProxyBinding": object([
            "registry": string,
            "ttl_seconds": ["type": "integer", "minimum": 0, "maximum": 2_592_000, "description": "how long a tag is served before the upstream is asked again (300)"],
            "max_bytes": ["type": "integer", "minimum": 1_048_576, "description": "blob bytes the cache may hold; past it the least recently pulled artifacts go (no limit when absent)"],
        ], required: ["registry"]),
        "NewPersonalToken": object(
            ["name": string, "projects": projectActions, "expires_in_days": ["type": "integer", "minimum": 1, "maximum": 3650]],
            required: ["name", "projects"]),
        "PersonalToken": object([
            "name": string, "projects": projectActions, "expires_at": time, "created_at": time,
            "secret": ["type": "string", "description": "at creation only; the password for docker login with your user name"],
        ]),
        "RunRequest": object(["dry_run": boolean]),
        "CollectRequest": object([
            "dry_run": boolean, "delete_untagged": boolean, "grace_seconds": ["type": "number", "minimum": 0, "maximum": 315_360_000],
        ]),
        "JobRun": object([
            "id": string, "project": ["type": "string", "nullable": true], "dry_run": boolean, "status": string,
            "started_at": time, "finished_at": time,
            "result": ["type": "object", "description": "the report: a dry run counts what it would_delete, a real run what it deleted"],
        ]),
        "AuditEntry": object([
            "id": string, "time": time, "action": string, "actor": ["type": "string", "nullable": true], "actor_kind": string,
            "source": ["type": "string", "nullable": true], "project": ["type": "string", "nullable": true],
            "repository": ["type": "string", "nullable": true], "digest": ["type": "string", "nullable": true],
            "tag": ["type": "string", "nullable": true], "result": string, "detail": ["type": "string", "nullable": true],
        ]),
        "Delivery": object([
            "id": string, "event": string, "status": string, "attempts": ["type": "integer"],
            "created_at": time, "updated_at": time, "next_attempt_at": ["type": "string", "format": "date-time", "nullable": true],
        ]),
        "NewWebhook": object([
            "url": string, "secret": ["type": "string", "minLength": 16], "events": ["type": "array", "items": string],
        ], required: ["url"]),
        "Member": object(["user": string, "role": role], required: ["user", "role"]),
        "Role": object(["role": role], required: ["role"]),
        "NewRobot": object(
            ["name": string, "permissions": actions, "projects": projectActions, "expires_in_days": ["type": "integer", "maximum": 36_500]],
            required: ["name"]),
        "ImmutabilityRule": object(["repository": string, "tag": string], required: ["repository", "tag"]),
        "RobotChange": object(["permissions": actions, "projects": projectActions, "disabled": boolean]),
        "Errors": object([
            "errors": ["type": "array", "items": object(["code": string, "message": string])]
        ]),
    ] }
}
