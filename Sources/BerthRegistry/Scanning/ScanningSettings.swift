import BerthPolicies
import BerthVulnerabilities
import Foundation

/// A project's scanning setting (`PUT /api/v1/projects/{p}/scanning`,
/// replaced whole): whether pushes are scanned, which severity blocks
/// pulls, what is answered while an artifact has no completed scan, and the
/// vulnerabilities allowed anyway. The system-wide allowlist is the same
/// document, set by administrators at `/api/v1/system/scanning`, of which
/// only `allowlist` counts.
public struct ScanningSettings: Sendable, Equatable, Codable {
    /// The lowest severity that blocks a pull; `none` blocks nothing.
    public enum Threshold: String, Sendable, Codable, CaseIterable {
        case none, low, medium, high, critical

        var level: SeverityLevel? { SeverityLevel(rawValue: rawValue) }
    }

    /// The answer while an artifact has no completed scan (never scanned,
    /// queued, running, or its scanner failed).
    public enum WhileUnscanned: String, Sendable, Codable, CaseIterable {
        case allow, block
        /// The previous report decides while a rescan runs; with none, blocked.
        case allowIfPrevious = "allow_if_previous"
    }

    /// Who scans: Berth itself, the external scanner adapter (`scanner_url`)
    /// instead, or both, their findings merged.
    public enum Scanner: String, Sendable, Codable, CaseIterable {
        case builtin, external, both

        var usesBuiltin: Bool { self != .external }
        var usesExternal: Bool { self != .builtin }
    }

    /// A vulnerability allowed anyway, matched by its id or any alias.
    public struct AllowlistEntry: Sendable, Equatable, Codable {
        public var id: String
        /// RFC 3339; the entry stops applying then. Nil: no expiry.
        public var expiresAt: String?
        public var comment: String?
        /// Repositories (a glob, relative to the project) it applies to; nil: all.
        public var repositories: String?

        enum CodingKeys: String, CodingKey { case id, comment, repositories, expiresAt = "expires_at" }

        public init(id: String, expiresAt: String? = nil, comment: String? = nil, repositories: String? = nil) {
            (self.id, self.expiresAt, self.comment, self.repositories) = (id, expiresAt, comment, repositories)
        }

        var expiry: Date? { expiresAt.flatMap(Self.date) }

        static func date(_ text: String) -> Date? {
            let formatter = ISO8601DateFormatter()
            if let date = formatter.date(from: text) { return date }
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            return formatter.date(from: text)
        }

        /// Whether it allows a vulnerability known as `names` in `path` (the repository inside its project) at `now`.
        func allows(_ names: [String], in path: String, at now: Date) -> Bool {
            if let expiry, expiry <= now { return false }
            if let repositories, !(Glob(repositories)?.matches(path) ?? false) { return false }
            return names.contains { $0.caseInsensitiveCompare(id) == .orderedSame }
        }
    }

    /// Nil: the server's `scan_on_push`.
    public var scanOnPush: Bool?
    public var blockSeverity: Threshold
    public var whileUnscanned: WhileUnscanned
    public var allowlist: [AllowlistEntry]
    public var scanner: Scanner

    enum CodingKeys: String, CodingKey {
        case allowlist, scanner
        case scanOnPush = "scan_on_push", blockSeverity = "block_severity", whileUnscanned = "while_unscanned"
    }

    public init(
        scanOnPush: Bool? = nil, blockSeverity: Threshold = .none, whileUnscanned: WhileUnscanned = .allow, allowlist: [AllowlistEntry] = [],
        scanner: Scanner = .builtin
    ) {
        (self.scanOnPush, self.blockSeverity, self.whileUnscanned, self.allowlist, self.scanner) =
            (scanOnPush, blockSeverity, whileUnscanned, allowlist, scanner)
    }

    /// Fields left out take their defaults; a field given must be valid.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        scanOnPush = try container.decodeIfPresent(Bool.self, forKey: .scanOnPush)
        blockSeverity = try container.decodeIfPresent(Threshold.self, forKey: .blockSeverity) ?? .none
        whileUnscanned = try container.decodeIfPresent(WhileUnscanned.self, forKey: .whileUnscanned) ?? .allow
        allowlist = try container.decodeIfPresent([AllowlistEntry].self, forKey: .allowlist) ?? []
        scanner = try container.decodeIfPresent(Scanner.self, forKey: .scanner) ?? .builtin
    }

    static let maxAllowlist = 1_000

    /// Why it cannot be stored, or nil.
    public var problem: String? {
        guard allowlist.count <= Self.maxAllowlist else { return "an allowlist holds at most \(Self.maxAllowlist) entries" }
        for (index, entry) in allowlist.enumerated() {
            let at = "allowlist[\(index)]"
            guard !entry.id.isEmpty, entry.id.utf8.count <= 200 else { return "\(at).id must be a vulnerability id of 1 to 200 bytes" }
            if let expiresAt = entry.expiresAt, entry.expiry == nil {
                return "\(at).expires_at must be an RFC 3339 time such as 2027-01-01T00:00:00Z, not \(expiresAt)"
            }
            if let repositories = entry.repositories, Glob(repositories) == nil { return "\(at).repositories is not a valid pattern" }
            if let comment = entry.comment, comment.utf8.count > 1_000 { return "\(at).comment is longer than 1,000 bytes" }
        }
        return nil
    }

    /// Where the system-wide setting is kept: the settings of a project
    /// with the empty name, which no project can have.
    public static let systemScope = ""
}
