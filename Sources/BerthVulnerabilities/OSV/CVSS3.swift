import Foundation

/// CVSS v3.0 / v3.1 base score, from the FIRST specification documents
/// (https://www.first.org/cvss/v3.1/specification-document, sections 7.1 and 7.4, Appendix A).
///
/// Only the base score is computed: OSV vectors describe the vulnerability, not a deployment,
/// so temporal and environmental metrics, when present, are validated and then ignored.
/// A vector that is not exactly a CVSS 3.x vector (wrong prefix, unknown metric, unknown
/// value, duplicate metric, missing base metric) yields nil rather than a guess.
public enum CVSS3 {
    /// Longest vector accepted; a full vector with every optional metric is under 150 chars.
    static let maxVectorLength = 512

    /// Base score (0.0–10.0, one decimal) of a "CVSS:3.0/…" or "CVSS:3.1/…" vector, or nil.
    public static func baseScore(_ vector: String) -> Double? {
        guard vector.utf8.count <= maxVectorLength else { return nil }
        let parts = vector.split(separator: "/", omittingEmptySubsequences: false)
        guard let prefix = parts.first else { return nil }
        let minor: Int
        switch prefix {
        case "CVSS:3.0": minor = 0
        case "CVSS:3.1": minor = 1
        default: return nil
        }
        var values: [Substring: Substring] = [:]
        for part in parts.dropFirst() {
            let kv = part.split(separator: ":", omittingEmptySubsequences: false)
            guard kv.count == 2 else { return nil }
            let key = kv[0], value = kv[1]
            guard let allowed = allowedValues[String(key)], allowed.contains(String(value)) else { return nil }
            guard values[key] == nil else { return nil }  // duplicate metric
            values[key] = value
        }
        guard let av = values["AV"], let ac = values["AC"], let pr = values["PR"], let ui = values["UI"],
              let s = values["S"], let c = values["C"], let i = values["I"], let a = values["A"]
        else { return nil }

        let scopeChanged = s == "C"
        guard let avW = weightAV[av], let acW = weightAC[ac], let uiW = weightUI[ui],
              let prW = (scopeChanged ? weightPRChanged : weightPRUnchanged)[pr],
              let cW = weightCIA[c], let iW = weightCIA[i], let aW = weightCIA[a]
        else { return nil }

        // Impact Sub-Score (ISS) and Impact, section 7.1.
        let iss = 1 - ((1 - cW) * (1 - iW) * (1 - aW))
        let impact: Double
        if scopeChanged {
            impact = 7.52 * (iss - 0.029) - 3.25 * pow(iss - 0.02, 15)
        } else {
            impact = 6.42 * iss
        }
        let exploitability = 8.22 * avW * acW * prW * uiW
        guard impact > 0 else { return 0 }
        let raw = scopeChanged ? min(1.08 * (impact + exploitability), 10) : min(impact + exploitability, 10)
        return minor == 0 ? roundUp30(raw) : roundUp31(raw)
    }

    /// v3.1 Appendix A `Roundup`: rounds up to one decimal after first rounding to five
    /// decimals, so floating-point noise (4.000000000000001) does not bump the score.
    static func roundUp31(_ input: Double) -> Double {
        // `input` is a finite value in 0...10.8 here, so the integer conversion cannot trap.
        let intInput = Int((input * 100_000).rounded())
        if intInput % 10_000 == 0 { return Double(intInput) / 100_000 }
        return Double(intInput / 10_000 + 1) / 10
    }

    /// v3.0 `Round up`: "the smallest number, specified to one decimal place, that is equal to
    /// or higher than its input". Kept separate because 3.0 vectors were scored this way.
    static func roundUp30(_ input: Double) -> Double {
        (input * 10).rounded(.up) / 10
    }

    // Section 7.4 metric values.
    private static let weightAV: [Substring: Double] = ["N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2]
    private static let weightAC: [Substring: Double] = ["L": 0.77, "H": 0.44]
    private static let weightPRUnchanged: [Substring: Double] = ["N": 0.85, "L": 0.62, "H": 0.27]
    private static let weightPRChanged: [Substring: Double] = ["N": 0.85, "L": 0.68, "H": 0.5]
    private static let weightUI: [Substring: Double] = ["N": 0.85, "R": 0.62]
    private static let weightCIA: [Substring: Double] = ["H": 0.56, "L": 0.22, "N": 0]

    /// Every metric a 3.x vector may carry, with its legal values (base, temporal, environmental).
    private static let allowedValues: [String: Set<String>] = [
        "AV": ["N", "A", "L", "P"], "AC": ["L", "H"], "PR": ["N", "L", "H"], "UI": ["N", "R"],
        "S": ["U", "C"], "C": ["H", "L", "N"], "I": ["H", "L", "N"], "A": ["H", "L", "N"],
        "E": ["X", "U", "P", "F", "H"], "RL": ["X", "O", "T", "W", "U"], "RC": ["X", "U", "R", "C"],
        "CR": ["X", "L", "M", "H"], "IR": ["X", "L", "M", "H"], "AR": ["X", "L", "M", "H"],
        "MAV": ["X", "N", "A", "L", "P"], "MAC": ["X", "L", "H"], "MPR": ["X", "N", "L", "H"],
        "MUI": ["X", "N", "R"], "MS": ["X", "U", "C"],
        "MC": ["X", "N", "L", "H"], "MI": ["X", "N", "L", "H"], "MA": ["X", "N", "L", "H"],
    ]
}
