import Foundation

/// A scan report in the Harbor Pluggable Scanner API's format
/// (`application/vnd.security.vulnerability.report; version=1.1`), for
/// tools written against Harbor: the same findings, named as that spec
/// names them (`version`, `fix_version`, capitalized severities).
enum HarborScanReport {
    static let mediaType = "application/vnd.security.vulnerability.report; version=1.1"

    /// Whether the request's Accept asks for this format (and not Berth's own JSON first).
    static func isAsked(by accept: String?) -> Bool {
        guard let accept else { return false }
        return accept.split(separator: ",").contains {
            $0.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() == "application/vnd.security.vulnerability.report"
        }
    }

    /// Harbor's severities: Unknown, Negligible, Low, Medium, High, Critical.
    static func severity(_ berth: String?) -> String {
        switch berth?.lowercased() {
        case "critical": "Critical"
        case "high": "High"
        case "medium": "Medium"
        case "low": "Low"
        case "negligible": "Negligible"
        default: "Unknown"
        }
    }

    /// `report` is Berth's report as `GET /api/v1/vulnerabilities` answers it (status done).
    static func from(_ report: [String: Any], repository: String, digest: String, mediaType: String?) -> [String: Any] {
        let order = ["Unknown", "Negligible", "Low", "Medium", "High", "Critical"]
        let findings = (report["vulnerabilities"] as? [[String: Any]] ?? []).map { finding -> [String: Any] in
            var out: [String: Any] = [
                "id": finding["id"] ?? "", "package": finding["package"] ?? "", "version": finding["installed_version"] ?? "",
                "fix_version": finding["fixed_version"] ?? "", "severity": severity(finding["severity"] as? String),
                "description": finding["summary"] ?? "", "links": finding["links"] ?? [String](),
            ]
            if let score = finding["cvss_score"] as? Double, let vector = finding["cvss_vector"] as? String {
                out["preferred_cvss"] = vector.hasPrefix("CVSS:4") ? ["score_v4": score, "vector_v4": vector] : ["score_v3": score, "vector_v3": vector]
            }
            if let aliases = finding["aliases"] as? [String], !aliases.isEmpty { out["vendor_attributes"] = ["aliases": aliases] }
            return out
        }
        let highest = findings.compactMap { $0["severity"] as? String }.max { order.firstIndex(of: $0)! < order.firstIndex(of: $1)! }
        return [
            "generated_at": report["matched_at"] ?? report["scanned_at"] ?? "",
            "artifact": ["repository": repository, "digest": digest, "mime_type": mediaType ?? ""],
            "scanner": ["name": "Berth", "vendor": "Berth", "version": "1"],
            "severity": highest ?? "None",
            "vulnerabilities": findings,
        ]
    }
}
