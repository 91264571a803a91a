import Foundation

/// The part of an OSV record (https://ossf.github.io/osv-schema/) that vulnerability matching
/// needs. Everything else in the record (details, references, credits, `ecosystem_specific`, …)
/// is skipped while decoding, so it costs nothing to keep and cannot make a record fail.
///
/// Strictness policy, chosen so that a bad record can never silently change a match result:
/// - Fields the schema requires for identity (`id`, `modified`) must be present and non-empty
///   strings, otherwise the whole record is rejected: without them a record cannot be
///   deduplicated or superseded ("the one with the later modification time is authoritative").
/// - A field present with the wrong JSON type (for example `aliases` holding a number) rejects
///   the record: the producer is not speaking OSV and nothing in it can be trusted.
/// - *Values* newer than this code are ignored rather than fatal, as the schema asks of
///   clients ("ignoring any unexpected fields"): a range whose `type` is not SEMVER, ECOSYSTEM
///   or GIT is dropped (counted in `OSVAffected.ignoredRangeCount`), so the record still
///   matches through its `versions` list and its other ranges. A range with a malformed event
///   (an event object holding zero or several of introduced/fixed/last_affected/limit) is
///   dropped the same way, because its timeline cannot be read.
/// - Size is bounded by the caller-facing `decode(_:)`, which refuses input over
///   `maxEncodedSize` before any parsing happens.
public struct OSVRecord: Sendable, Equatable, Decodable {
    /// Largest encoded record `decode(_:)` accepts (1 MiB). Real OSV records are a few KiB; the
    /// largest (kernel CVEs with long version lists) stay well under this.
    public static let maxEncodedSize = 1 << 20

    public let id: String
    /// RFC 3339 timestamp, kept as the string the database wrote: it is only compared between
    /// records of the same database, and parsing it would add a failure mode for no gain.
    public let modified: String
    /// Set when the record was withdrawn; a withdrawn record must not produce findings.
    public let withdrawn: String?
    public let aliases: [String]
    public let summary: String?
    public let severity: [OSVSeverity]
    public let affected: [OSVAffected]
    /// `database_specific.severity` at record level, when it is a string (GHSA writes
    /// "LOW"/"MODERATE"/"HIGH"/"CRITICAL" there).
    public let databaseSpecificSeverity: String?

    public var isWithdrawn: Bool { withdrawn != nil }

    public enum DecodingFailure: Error, Equatable, Sendable {
        /// The encoded record is larger than `maxEncodedSize`.
        case tooLarge(Int)
        /// `id` or `modified` is present but empty.
        case emptyRequiredField(String)
    }

    /// Decodes one OSV JSON record, refusing anything over `maxEncodedSize` bytes first.
    public static func decode(_ data: Data) throws -> OSVRecord {
        guard data.count <= maxEncodedSize else { throw DecodingFailure.tooLarge(data.count) }
        return try JSONDecoder().decode(OSVRecord.self, from: data)
    }

    public init(
        id: String, modified: String, withdrawn: String? = nil, aliases: [String] = [],
        summary: String? = nil, severity: [OSVSeverity] = [], affected: [OSVAffected] = [],
        databaseSpecificSeverity: String? = nil
    ) {
        self.id = id
        self.modified = modified
        self.withdrawn = withdrawn
        self.aliases = aliases
        self.summary = summary
        self.severity = severity
        self.affected = affected
        self.databaseSpecificSeverity = databaseSpecificSeverity
    }

    private enum CodingKeys: String, CodingKey {
        case id, modified, withdrawn, aliases, summary, severity, affected
        case databaseSpecific = "database_specific"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        modified = try c.decode(String.self, forKey: .modified)
        guard !id.isEmpty else { throw DecodingFailure.emptyRequiredField("id") }
        guard !modified.isEmpty else { throw DecodingFailure.emptyRequiredField("modified") }
        withdrawn = try c.decodeIfPresent(String.self, forKey: .withdrawn)
        aliases = try c.decodeIfPresent([String].self, forKey: .aliases) ?? []
        summary = try c.decodeIfPresent(String.self, forKey: .summary)
        severity = try c.decodeIfPresent([OSVSeverity].self, forKey: .severity) ?? []
        affected = try c.decodeIfPresent([OSVAffected].self, forKey: .affected) ?? []
        databaseSpecificSeverity =
            try c.decodeIfPresent(DatabaseSpecificSeverity.self, forKey: .databaseSpecific)?.value
    }
}

/// One `severity[]` item. `type` is kept as written ("CVSS_V3", "CVSS_V4", "CVSS_V2",
/// "Ubuntu", or a type newer than this code); `SeverityLevel` decides what it can use.
public struct OSVSeverity: Sendable, Equatable, Decodable {
    public let type: String
    public let score: String

    public init(type: String, score: String) {
        self.type = type
        self.score = score
    }
}

/// `affected[].package`. The schema requires `ecosystem` and `name` whenever `package` is
/// present; `package` itself may be absent (GIT-only records), in which case the entry can
/// never match a package found in an image.
public struct OSVPackage: Sendable, Equatable, Decodable {
    public let ecosystem: String
    public let name: String
    public let purl: String?

    public init(ecosystem: String, name: String, purl: String? = nil) {
        self.ecosystem = ecosystem
        self.name = name
        self.purl = purl
    }
}

/// One `affected[]` entry. `ecosystem_specific` is deliberately not decoded.
public struct OSVAffected: Sendable, Equatable, Decodable {
    public let package: OSVPackage?
    public let severity: [OSVSeverity]
    /// Ranges this code can evaluate or knowingly skips (SEMVER, ECOSYSTEM, GIT).
    public let ranges: [OSVRange]
    /// Explicitly enumerated affected versions, compared as exact strings.
    public let versions: [String]
    /// `affected[].database_specific.severity`, when it is a string.
    public let databaseSpecificSeverity: String?
    /// Ranges dropped while decoding: unknown `type`, or an unreadable `events` timeline.
    /// Non-zero means the record said more than this code understood.
    public let ignoredRangeCount: Int

    public init(
        package: OSVPackage?, severity: [OSVSeverity] = [], ranges: [OSVRange] = [],
        versions: [String] = [], databaseSpecificSeverity: String? = nil, ignoredRangeCount: Int = 0
    ) {
        self.package = package
        self.severity = severity
        self.ranges = ranges
        self.versions = versions
        self.databaseSpecificSeverity = databaseSpecificSeverity
        self.ignoredRangeCount = ignoredRangeCount
    }

    private enum CodingKeys: String, CodingKey {
        case package, severity, ranges, versions
        case databaseSpecific = "database_specific"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        package = try c.decodeIfPresent(OSVPackage.self, forKey: .package)
        severity = try c.decodeIfPresent([OSVSeverity].self, forKey: .severity) ?? []
        versions = try c.decodeIfPresent([String].self, forKey: .versions) ?? []
        databaseSpecificSeverity =
            try c.decodeIfPresent(DatabaseSpecificSeverity.self, forKey: .databaseSpecific)?.value
        let raw = try c.decodeIfPresent([RawRange].self, forKey: .ranges) ?? []
        var kept: [OSVRange] = []
        kept.reserveCapacity(raw.count)
        for candidate in raw {
            if let range = candidate.validated { kept.append(range) }
        }
        ranges = kept
        ignoredRangeCount = raw.count - kept.count
    }
}

/// One `affected[].ranges[]` entry whose type and events were understood.
public struct OSVRange: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        case semver = "SEMVER"
        case ecosystem = "ECOSYSTEM"
        case git = "GIT"
    }

    public let type: Kind
    public let repo: String?
    public let events: [OSVEvent]

    public init(type: Kind, repo: String? = nil, events: [OSVEvent]) {
        self.type = type
        self.repo = repo
        self.events = events
    }
}

/// One event of a range timeline. The schema allows exactly one key per event object.
public enum OSVEvent: Sendable, Equatable {
    case introduced(String)
    case fixed(String)
    case lastAffected(String)
    case limit(String)

    public var version: String {
        switch self {
        case .introduced(let v), .fixed(let v), .lastAffected(let v), .limit(let v): return v
        }
    }
}

// MARK: - Decoding helpers

/// A range as written, before its type and events are checked. Decoding this never fails on
/// *values* (only on JSON type errors), so an unknown range type cannot reject the record.
private struct RawRange: Decodable {
    let type: String
    let repo: String?
    let events: [RawEvent]

    private enum CodingKeys: String, CodingKey { case type, repo, events }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        type = try c.decode(String.self, forKey: .type)
        repo = try c.decodeIfPresent(String.self, forKey: .repo)
        events = try c.decodeIfPresent([RawEvent].self, forKey: .events) ?? []
    }

    /// The range if its type is known and every event holds exactly one key; otherwise nil.
    var validated: OSVRange? {
        guard let kind = OSVRange.Kind(rawValue: type) else { return nil }
        var out: [OSVEvent] = []
        out.reserveCapacity(events.count)
        for event in events {
            guard let e = event.event else { return nil }
            out.append(e)
        }
        return OSVRange(type: kind, repo: repo, events: out)
    }
}

private struct RawEvent: Decodable {
    let event: OSVEvent?

    private enum CodingKeys: String, CodingKey {
        case introduced, fixed, limit
        case lastAffected = "last_affected"
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        var found: [OSVEvent] = []
        if let v = try c.decodeIfPresent(String.self, forKey: .introduced) { found.append(.introduced(v)) }
        if let v = try c.decodeIfPresent(String.self, forKey: .fixed) { found.append(.fixed(v)) }
        if let v = try c.decodeIfPresent(String.self, forKey: .lastAffected) { found.append(.lastAffected(v)) }
        if let v = try c.decodeIfPresent(String.self, forKey: .limit) { found.append(.limit(v)) }
        event = found.count == 1 ? found[0] : nil
    }
}

/// Reads only `severity` out of a `database_specific` object. The object's contents are
/// database-defined, so any other shape (not an object, severity not a string) is ignored
/// instead of failing the record.
private struct DatabaseSpecificSeverity: Decodable {
    let value: String?

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        guard let c = try? decoder.container(keyedBy: Key.self) else {
            value = nil
            return
        }
        value = (try? c.decodeIfPresent(String.self, forKey: Key(stringValue: "severity"))) ?? nil
    }
}
