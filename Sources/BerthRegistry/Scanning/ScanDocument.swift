import BerthMetadata
import BerthVulnerabilities
import Foundation

/// An artifact's report as the API shows it: the stored report with its
/// match time, severity counts and findings (rows of their own) joined in.
public enum ScanDocument {
    /// The report's JSON object, completed. Joined as text: the findings are
    /// JSON already, and a report may hold thousands.
    public static func assemble(report: String, matchedAt: Date?, findings: [(severity: String, json: String)]) -> String {
        var object = report.trimmingCharacters(in: .whitespacesAndNewlines)
        guard object.hasPrefix("{"), object.hasSuffix("}") else { return report }
        object.removeLast()
        var fields: [String] = []
        if let matchedAt { fields.append("\"matched_at\":\"\(ISO8601DateFormatter().string(from: matchedAt))\"") }
        let counts = summary(findings.map(\.severity))
        fields.append("\"summary\":{" + SeverityLevel.allCases.map { "\"\($0.rawValue)\":\(counts[$0.rawValue] ?? 0)" }.joined(separator: ",") + "}")
        fields.append("\"vulnerabilities\":[" + findings.map(\.json).joined(separator: ",") + "]")
        let separator = object.trimmingCharacters(in: .whitespacesAndNewlines) == "{" ? "" : ","
        return object + separator + fields.joined(separator: ",") + "}"
    }

    /// Findings per severity, every level named.
    static func summary(_ severities: [String]) -> [String: Int] {
        var summary = Dictionary(uniqueKeysWithValues: SeverityLevel.allCases.map { ($0.rawValue, 0) })
        for severity in severities { summary[severity, default: 0] += 1 }
        return summary
    }

    /// Counts per severity (as a report's rows give them) with every level named.
    public static func summary(counts: [String: Int]) -> [String: Int] {
        summary([]).merging(counts) { $1 }
    }

    /// How reports are written: sorted keys, so the same content is the same text (findings: `Finding.json`, the same way).
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }
}
