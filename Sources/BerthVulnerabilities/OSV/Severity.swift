import Foundation

/// Qualitative severity of a finding, ordered so policies can say "block at `.high` or above".
///
/// `.unknown` means "the record gave nothing this code can turn into a level"; it sorts lowest
/// but callers should treat it as its own state (needs triage), not as "harmless".
public enum SeverityLevel: String, Sendable, Comparable, CaseIterable {
    case unknown, low, medium, high, critical

    private var rank: Int {
        switch self {
        case .unknown: return 0
        case .low: return 1
        case .medium: return 2
        case .high: return 3
        case .critical: return 4
        }
    }

    public static func < (lhs: SeverityLevel, rhs: SeverityLevel) -> Bool { lhs.rank < rhs.rank }

    /// CVSS qualitative rating scale (v3.1 §5, v4.0 §6): 0.1–3.9 low, 4.0–6.9 medium,
    /// 7.0–8.9 high, 9.0–10.0 critical.
    ///
    /// CVSS "None" (0.0) maps to `.low`, not `.unknown`: the vector was valid and scored, so
    /// the severity *is* known — it is minimal. `.unknown` stays reserved for "no usable
    /// severity data", which policies usually route to triage, and a scored-but-harmless
    /// record does not belong there. Scores outside 0…10 (or NaN) are `.unknown`.
    public init(cvssScore score: Double) {
        guard score.isFinite, score >= 0, score <= 10 else {
            self = .unknown
            return
        }
        // Compare in tenths so 6.9999999 and 7.0 cannot straddle a boundary.
        let tenths = Int((score * 10).rounded())
        switch tenths {
        case ..<40: self = .low
        case 40..<70: self = .medium
        case 70..<90: self = .high
        default: self = .critical
        }
    }

    /// A database's own label (`database_specific.severity`): "LOW", "MODERATE" or "MEDIUM",
    /// "HIGH", "CRITICAL", case-insensitive, surrounding whitespace ignored. Anything else
    /// (e.g. "UNKNOWN", "NEGLIGIBLE") is nil rather than a guess.
    public init?(databaseLabel: String) {
        switch databaseLabel.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() {
        case "low": self = .low
        case "moderate", "medium": self = .medium
        case "high": self = .high
        case "critical": self = .critical
        default: return nil
        }
    }
}

extension OSVSeverity {
    /// The computed CVSS score of this item, or nil when its type is not CVSS_V3 / CVSS_V4 or
    /// its vector is malformed. CVSS_V2 is not scored (see `OSVRecord.severityLevel(for:)`).
    public var cvssScore: Double? {
        guard type == "CVSS_V3" || type == "CVSS_V4" else { return nil }
        return Self.scores.value(type + " " + score) { type == "CVSS_V3" ? CVSS3.baseScore(score) : CVSS4.score(score) }
    }

    /// A database has few distinct vectors and a match scores the same ones
    /// thousands of times (a sixth of a match's time before this memo).
    private static let scores = BoundedMemo<String, Double>(capacity: 8_192)
}

extension OSVRecord {
    /// The severity of this record for one of its `affected` entries (or for the record as a
    /// whole when `affected` is nil). First source that yields a level wins:
    ///
    /// 1. a CVSS_V3 vector (base score, §7 of the v3.0/v3.1 spec), package-level `severity`
    ///    before record-level (the schema lets a package override the record);
    /// 2. a CVSS_V4 vector (CVSS v4.0 score), same precedence. v3 goes first because it is the
    ///    score most advisories and downstream consumers were triaged with, which keeps levels
    ///    consistent when a database adds a v4 vector to an old record;
    /// 3. `database_specific.severity`, package-level before record-level;
    /// 4. `.unknown`.
    ///
    /// A valid vector is authoritative even when it scores 0.0 (→ `.low`); malformed vectors
    /// are skipped, never fatal. Not used: CVSS_V2 (obsolete, and every record carrying it
    /// that matters also carries v3), "Ubuntu" priorities and `ecosystem_specific` levels
    /// (their scales are database-defined).
    public func severityLevel(for affected: OSVAffected? = nil) -> SeverityLevel {
        let items = (affected?.severity ?? []) + severity
        for wanted in ["CVSS_V3", "CVSS_V4"] {
            for item in items where item.type == wanted {
                if let score = item.cvssScore { return SeverityLevel(cvssScore: score) }
            }
        }
        for label in [affected?.databaseSpecificSeverity, databaseSpecificSeverity] {
            if let label, let level = SeverityLevel(databaseLabel: label) { return level }
        }
        return .unknown
    }

    /// The highest level over all `affected` entries (and the record itself).
    public var maximumSeverityLevel: SeverityLevel {
        affected.map { severityLevel(for: $0) }.reduce(severityLevel(for: nil), max)
    }
}
