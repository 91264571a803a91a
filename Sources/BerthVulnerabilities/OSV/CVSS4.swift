/// CVSS v4.0 score, following the FIRST CVSS v4.0 specification (section 8, "CVSS v4.0
/// scoring": MacroVectors / equivalence sets EQ1–EQ6, the MacroVector lookup table, and the
/// interpolation by severity distance to the highest-severity vectors of the MacroVector) as
/// implemented by FIRST's reference calculator (github.com/RedHatProductSecurity/cvss-v4-calculator,
/// cvss40.js). The tables below are the reference calculator's data, transcribed; the
/// arithmetic is done in the same order with the same Double constants so that results match
/// the reference to the last digit, including its final "round half up after +1e-6" step.
///
/// The vector grammar is the reference's: "CVSS:4.0" then metrics in the specification's
/// order, the 11 base metrics mandatory and first, every other metric optional (at most once,
/// in order). Threat and environmental metrics, when present, are honoured exactly as the
/// reference does (the resulting score is then CVSS-BT/BE/BTE rather than CVSS-B).
/// Anything else yields nil.
public enum CVSS4 {
    static let maxVectorLength = 1024

    /// Score (0.0–10.0, one decimal) of a "CVSS:4.0/…" vector, or nil when malformed.
    public static func score(_ vector: String) -> Double? {
        guard let metrics = parse(vector) else { return nil }
        return score(metrics)
    }

    // MARK: Parsing

    /// Metric names in specification order with their legal values; the first 11 are the
    /// mandatory base metrics. Optional metrics default to "X" (not defined).
    static let metricOrder: [(key: String, values: Set<String>)] = [
        ("AV", ["N", "A", "L", "P"]), ("AC", ["L", "H"]), ("AT", ["N", "P"]),
        ("PR", ["N", "L", "H"]), ("UI", ["N", "P", "A"]),
        ("VC", ["N", "L", "H"]), ("VI", ["N", "L", "H"]), ("VA", ["N", "L", "H"]),
        ("SC", ["N", "L", "H"]), ("SI", ["N", "L", "H"]), ("SA", ["N", "L", "H"]),
        ("E", ["X", "A", "P", "U"]),
        ("CR", ["X", "H", "M", "L"]), ("IR", ["X", "H", "M", "L"]), ("AR", ["X", "H", "M", "L"]),
        ("MAV", ["X", "N", "A", "L", "P"]), ("MAC", ["X", "L", "H"]), ("MAT", ["X", "N", "P"]),
        ("MPR", ["X", "N", "L", "H"]), ("MUI", ["X", "N", "P", "A"]),
        ("MVC", ["X", "H", "L", "N"]), ("MVI", ["X", "H", "L", "N"]), ("MVA", ["X", "H", "L", "N"]),
        ("MSC", ["X", "H", "L", "N"]), ("MSI", ["X", "S", "H", "L", "N"]), ("MSA", ["X", "S", "H", "L", "N"]),
        ("S", ["X", "N", "P"]), ("AU", ["X", "N", "Y"]), ("R", ["X", "A", "U", "I"]),
        ("V", ["X", "D", "C"]), ("RE", ["X", "L", "M", "H"]),
        ("U", ["X", "Clear", "Green", "Amber", "Red"]),
    ]
    static let mandatoryCount = 11

    static func parse(_ vector: String) -> [String: String]? {
        guard vector.utf8.count <= maxVectorLength else { return nil }
        let parts = vector.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.first == "CVSS:4.0" else { return nil }
        var metrics: [String: String] = [:]
        for entry in metricOrder.dropFirst(mandatoryCount) { metrics[entry.key] = "X" }
        var index = 0
        for part in parts.dropFirst() {
            let kv = part.split(separator: ":", omittingEmptySubsequences: false)
            guard kv.count == 2 else { return nil }
            let key = String(kv[0]), value = String(kv[1])
            while index < metricOrder.count && metricOrder[index].key != key {
                if index < mandatoryCount { return nil }  // a mandatory metric was skipped
                index += 1
            }
            guard index < metricOrder.count, metricOrder[index].values.contains(value) else { return nil }
            metrics[key] = value
            index += 1
        }
        guard index >= mandatoryCount else { return nil }
        return metrics
    }

    /// The value scoring uses: unset E/CR/IR/AR take their worst case, and a set modified
    /// metric (M…) overrides its base metric.
    static func effective(_ metric: String, _ metrics: [String: String]) -> String {
        let raw = metrics[metric] ?? "X"
        if raw == "X", let worst = worstCaseDefaults[metric] { return worst }
        if let modified = metrics["M" + metric], modified != "X" { return modified }
        return raw
    }

    private static let worstCaseDefaults: [String: String] = ["E": "A", "CR": "H", "IR": "H", "AR": "H"]

    // MARK: Scoring

    /// The MacroVector: one digit per equivalence set EQ1…EQ6.
    static func macroVector(_ m: [String: String]) -> [Int] {
        func e(_ k: String) -> String { effective(k, m) }
        let av = e("AV"), pr = e("PR"), ui = e("UI")
        let eq1: Int
        if av == "N" && pr == "N" && ui == "N" {
            eq1 = 0
        } else if (av == "N" || pr == "N" || ui == "N") && av != "P" {
            eq1 = 1
        } else {
            eq1 = 2
        }
        let eq2 = (e("AC") == "L" && e("AT") == "N") ? 0 : 1
        let vc = e("VC"), vi = e("VI"), va = e("VA")
        let eq3: Int
        if vc == "H" && vi == "H" {
            eq3 = 0
        } else if vc == "H" || vi == "H" || va == "H" {
            eq3 = 1
        } else {
            eq3 = 2
        }
        let eq4: Int
        if e("MSI") == "S" || e("MSA") == "S" {
            eq4 = 0
        } else if e("SC") == "H" || e("SI") == "H" || e("SA") == "H" {
            eq4 = 1
        } else {
            eq4 = 2
        }
        let eq5: Int
        switch e("E") {
        case "A": eq5 = 0
        case "P": eq5 = 1
        default: eq5 = 2  // "U"; E is never X after `effective`
        }
        let eq6 = ((e("CR") == "H" && vc == "H") || (e("IR") == "H" && vi == "H") || (e("AR") == "H" && va == "H")) ? 0 : 1
        return [eq1, eq2, eq3, eq4, eq5, eq6]
    }

    static func key(_ eq: [Int]) -> String {
        eq.map(String.init).joined()
    }

    static func score(_ m: [String: String]) -> Double? {
        // No impact on either system: 0.0 by definition.
        if ["VC", "VI", "VA", "SC", "SI", "SA"].allSatisfy({ effective($0, m) == "N" }) { return 0 }

        let eq = macroVector(m)
        guard eq.count == 6, let value = lookup[key(eq)] else { return nil }
        let eq1 = eq[0], eq2 = eq[1], eq3 = eq[2], eq4 = eq[3], eq5 = eq[4], eq6 = eq[5]
        func score(_ e1: Int, _ e2: Int, _ e3: Int, _ e4: Int, _ e5: Int, _ e6: Int) -> Double? {
            lookup[key([e1, e2, e3, e4, e5, e6])]
        }

        // 1a. The next lower MacroVector along each EQ (nil when there is none).
        let lowerEQ1 = score(eq1 + 1, eq2, eq3, eq4, eq5, eq6)
        let lowerEQ2 = score(eq1, eq2 + 1, eq3, eq4, eq5, eq6)
        let lowerEQ3EQ6: Double?
        if eq3 == 1 && eq6 == 1 {
            lowerEQ3EQ6 = score(eq1, eq2, eq3 + 1, eq4, eq5, eq6)
        } else if eq3 == 0 && eq6 == 1 {
            lowerEQ3EQ6 = score(eq1, eq2, eq3 + 1, eq4, eq5, eq6)
        } else if eq3 == 1 && eq6 == 0 {
            lowerEQ3EQ6 = score(eq1, eq2, eq3, eq4, eq5, eq6 + 1)
        } else if eq3 == 0 && eq6 == 0 {
            // Two paths down; the higher one counts (both exist in the table).
            if let left = score(eq1, eq2, eq3, eq4, eq5, eq6 + 1), let right = score(eq1, eq2, eq3 + 1, eq4, eq5, eq6) {
                lowerEQ3EQ6 = max(left, right)
            } else {
                lowerEQ3EQ6 = nil
            }
        } else {
            lowerEQ3EQ6 = score(eq1, eq2, eq3 + 1, eq4, eq5, eq6 + 1)  // never exists
        }
        let lowerEQ4 = score(eq1, eq2, eq3, eq4 + 1, eq5, eq6)
        let lowerEQ5 = score(eq1, eq2, eq3, eq4, eq5 + 1, eq6)

        // 1b. Severity distance from the highest-severity vectors of this MacroVector.
        guard let max1 = maxComposedEQ1[safe: eq1], let max2 = maxComposedEQ2[safe: eq2],
              let max3 = maxComposedEQ3EQ6[safe: eq3]?[safe: eq6], let max4 = maxComposedEQ4[safe: eq4],
              let max5 = maxComposedEQ5[safe: eq5], !max3.isEmpty
        else { return nil }
        var distances: [String: Double] = [:]
        search: for a in max1 {
            for b in max2 {
                for c in max3 {
                    for d in max4 {
                        for f in max5 {
                            guard let candidate = severityDistances(m, maxVector: a + b + c + d + f) else { return nil }
                            distances = candidate
                            if candidate.values.allSatisfy({ $0 >= 0 }) { break search }
                        }
                    }
                }
            }
        }
        func d(_ k: String) -> Double { distances[k] ?? 0 }
        let current1 = d("AV") + d("PR") + d("UI")
        let current2 = d("AC") + d("AT")
        let current3 = d("VC") + d("VI") + d("VA") + d("CR") + d("IR") + d("AR")
        let current4 = d("SC") + d("SI") + d("SA")

        guard let depth1 = maxSeverityEQ1[safe: eq1], let depth2 = maxSeverityEQ2[safe: eq2],
              let depth3 = maxSeverityEQ3EQ6[safe: eq3]?[safe: eq6], let depth4 = maxSeverityEQ4[safe: eq4],
              depth3 > 0
        else { return nil }
        let step = 0.1
        let maxSeverity1 = Double(depth1) * step
        let maxSeverity2 = Double(depth2) * step
        let maxSeverity3 = Double(depth3) * step
        let maxSeverity4 = Double(depth4) * step

        // 1c/1d. Proportional distances, for the EQs that have a lower MacroVector.
        var existingLower = 0
        var n1 = 0.0, n2 = 0.0, n3 = 0.0, n4 = 0.0, n5 = 0.0
        if let lower = lowerEQ1 {
            existingLower += 1
            n1 = (value - lower) * (current1 / maxSeverity1)
        }
        if let lower = lowerEQ2 {
            existingLower += 1
            n2 = (value - lower) * (current2 / maxSeverity2)
        }
        if let lower = lowerEQ3EQ6 {
            existingLower += 1
            n3 = (value - lower) * (current3 / maxSeverity3)
        }
        if let lower = lowerEQ4 {
            existingLower += 1
            n4 = (value - lower) * (current4 / maxSeverity4)
        }
        if let lower = lowerEQ5 {
            // EQ5 has a single value per level, so its proportion is always 0.
            existingLower += 1
            n5 = (value - lower) * 0
        }
        // 2. Mean proportional distance; 3. subtract from the MacroVector score and round.
        let mean = existingLower == 0 ? 0 : (n1 + n2 + n3 + n4 + n5) / Double(existingLower)
        return roundToOneDecimal(max(0, min(10, value - mean)))
    }

    /// The reference's rounding: JavaScript `Math.round((x + 1e-6) * 10) / 10`, i.e. half up.
    static func roundToOneDecimal(_ x: Double) -> Double {
        let scaled = (x + 1e-6) * 10
        let floorValue = scaled.rounded(.down)
        let rounded = scaled - floorValue >= 0.5 ? floorValue + 1 : floorValue
        return rounded / 10
    }

    /// Per-metric distance (effective value level minus the max vector's level), or nil when a
    /// level is missing from the table (cannot happen for a parsed vector).
    private static func severityDistances(_ m: [String: String], maxVector: String) -> [String: Double]? {
        var extracted: [String: String] = [:]
        for part in maxVector.split(separator: "/") {
            let kv = part.split(separator: ":")
            guard kv.count == 2 else { return nil }
            extracted[String(kv[0])] = String(kv[1])
        }
        var out: [String: Double] = [:]
        for (metric, levels) in metricLevels {
            guard let mine = levels[effective(metric, m)],
                  let theirsValue = extracted[metric], let theirs = levels[theirsValue]
            else { return nil }
            out[metric] = mine - theirs
        }
        return out
    }

    // MARK: Reference data

    /// Ordinal level of each metric value (0.1 per step), used for severity distances.
    private static let metricLevels: [String: [String: Double]] = [
        "AV": ["N": 0.0, "A": 0.1, "L": 0.2, "P": 0.3],
        "PR": ["N": 0.0, "L": 0.1, "H": 0.2],
        "UI": ["N": 0.0, "P": 0.1, "A": 0.2],
        "AC": ["L": 0.0, "H": 0.1],
        "AT": ["N": 0.0, "P": 0.1],
        "VC": ["H": 0.0, "L": 0.1, "N": 0.2],
        "VI": ["H": 0.0, "L": 0.1, "N": 0.2],
        "VA": ["H": 0.0, "L": 0.1, "N": 0.2],
        "SC": ["H": 0.1, "L": 0.2, "N": 0.3],
        "SI": ["S": 0.0, "H": 0.1, "L": 0.2, "N": 0.3],
        "SA": ["S": 0.0, "H": 0.1, "L": 0.2, "N": 0.3],
        "CR": ["H": 0.0, "M": 0.1, "L": 0.2],
        "IR": ["H": 0.0, "M": 0.1, "L": 0.2],
        "AR": ["H": 0.0, "M": 0.1, "L": 0.2],
        "E": ["U": 0.2, "P": 0.1, "A": 0],
    ]

    /// Highest-severity vectors of each EQ level, in the reference's search order.
    private static let maxComposedEQ1: [[String]] = [
        ["AV:N/PR:N/UI:N/"],
        ["AV:A/PR:N/UI:N/", "AV:N/PR:L/UI:N/", "AV:N/PR:N/UI:P/"],
        ["AV:P/PR:N/UI:N/", "AV:A/PR:L/UI:P/"],
    ]
    private static let maxComposedEQ2: [[String]] = [
        ["AC:L/AT:N/"],
        ["AC:H/AT:N/", "AC:L/AT:P/"],
    ]
    /// Indexed [eq3][eq6]; eq3 = 2 with eq6 = 0 is impossible and has no entry.
    private static let maxComposedEQ3EQ6: [[[String]]] = [
        [["VC:H/VI:H/VA:H/CR:H/IR:H/AR:H/"],
         ["VC:H/VI:H/VA:L/CR:M/IR:M/AR:H/", "VC:H/VI:H/VA:H/CR:M/IR:M/AR:M/"]],
        [["VC:L/VI:H/VA:H/CR:H/IR:H/AR:H/", "VC:H/VI:L/VA:H/CR:H/IR:H/AR:H/"],
         ["VC:L/VI:H/VA:L/CR:H/IR:M/AR:H/", "VC:L/VI:H/VA:H/CR:H/IR:M/AR:M/", "VC:H/VI:L/VA:H/CR:M/IR:H/AR:M/",
          "VC:H/VI:L/VA:L/CR:M/IR:H/AR:H/", "VC:L/VI:L/VA:H/CR:H/IR:H/AR:M/"]],
        [[],
         ["VC:L/VI:L/VA:L/CR:H/IR:H/AR:H/"]],
    ]
    private static let maxComposedEQ4: [[String]] = [
        ["SC:H/SI:S/SA:S/"],
        ["SC:H/SI:H/SA:H/"],
        ["SC:L/SI:L/SA:L/"],
    ]
    private static let maxComposedEQ5: [[String]] = [["E:A/"], ["E:P/"], ["E:U/"]]

    /// Depth of each MacroVector in severity-distance steps (+1), as in the reference.
    private static let maxSeverityEQ1 = [1, 4, 5]
    private static let maxSeverityEQ2 = [1, 2]
    private static let maxSeverityEQ3EQ6 = [[7, 6], [8, 8], [0, 10]]  // [2][0] impossible
    private static let maxSeverityEQ4 = [6, 5, 4]

    /// Score of every MacroVector (EQ1…EQ6 digits), from the CVSS v4.0 reference lookup table.
    static let lookup: [String: Double] = [
        "000000": 10.0, "000001": 9.9, "000010": 9.8, "000011": 9.5, "000020": 9.5, "000021": 9.2,
        "000100": 10.0, "000101": 9.6, "000110": 9.3, "000111": 8.7, "000120": 9.1, "000121": 8.1,
        "000200": 9.3, "000201": 9.0, "000210": 8.9, "000211": 8.0, "000220": 8.1, "000221": 6.8,
        "001000": 9.8, "001001": 9.5, "001010": 9.5, "001011": 9.2, "001020": 9.0, "001021": 8.4,
        "001100": 9.3, "001101": 9.2, "001110": 8.9, "001111": 8.1, "001120": 8.1, "001121": 6.5,
        "001200": 8.8, "001201": 8.0, "001210": 7.8, "001211": 7.0, "001220": 6.9, "001221": 4.8,
        "002001": 9.2, "002011": 8.2, "002021": 7.2, "002101": 7.9, "002111": 6.9, "002121": 5.0,
        "002201": 6.9, "002211": 5.5, "002221": 2.7, "010000": 9.9, "010001": 9.7, "010010": 9.5,
        "010011": 9.2, "010020": 9.2, "010021": 8.5, "010100": 9.5, "010101": 9.1, "010110": 9.0,
        "010111": 8.3, "010120": 8.4, "010121": 7.1, "010200": 9.2, "010201": 8.1, "010210": 8.2,
        "010211": 7.1, "010220": 7.2, "010221": 5.3, "011000": 9.5, "011001": 9.3, "011010": 9.2,
        "011011": 8.5, "011020": 8.5, "011021": 7.3, "011100": 9.2, "011101": 8.2, "011110": 8.0,
        "011111": 7.2, "011120": 7.0, "011121": 5.9, "011200": 8.4, "011201": 7.0, "011210": 7.1,
        "011211": 5.2, "011220": 5.0, "011221": 3.0, "012001": 8.6, "012011": 7.5, "012021": 5.2,
        "012101": 7.1, "012111": 5.2, "012121": 2.9, "012201": 6.3, "012211": 2.9, "012221": 1.7,
        "100000": 9.8, "100001": 9.5, "100010": 9.4, "100011": 8.7, "100020": 9.1, "100021": 8.1,
        "100100": 9.4, "100101": 8.9, "100110": 8.6, "100111": 7.4, "100120": 7.7, "100121": 6.4,
        "100200": 8.7, "100201": 7.5, "100210": 7.4, "100211": 6.3, "100220": 6.3, "100221": 4.9,
        "101000": 9.4, "101001": 8.9, "101010": 8.8, "101011": 7.7, "101020": 7.6, "101021": 6.7,
        "101100": 8.6, "101101": 7.6, "101110": 7.4, "101111": 5.8, "101120": 5.9, "101121": 5.0,
        "101200": 7.2, "101201": 5.7, "101210": 5.7, "101211": 5.2, "101220": 5.2, "101221": 2.5,
        "102001": 8.3, "102011": 7.0, "102021": 5.4, "102101": 6.5, "102111": 5.8, "102121": 2.6,
        "102201": 5.3, "102211": 2.1, "102221": 1.3, "110000": 9.5, "110001": 9.0, "110010": 8.8,
        "110011": 7.6, "110020": 7.6, "110021": 7.0, "110100": 9.0, "110101": 7.7, "110110": 7.5,
        "110111": 6.2, "110120": 6.1, "110121": 5.3, "110200": 7.7, "110201": 6.6, "110210": 6.8,
        "110211": 5.9, "110220": 5.2, "110221": 3.0, "111000": 8.9, "111001": 7.8, "111010": 7.6,
        "111011": 6.7, "111020": 6.2, "111021": 5.8, "111100": 7.4, "111101": 5.9, "111110": 5.7,
        "111111": 5.7, "111120": 4.7, "111121": 2.3, "111200": 6.1, "111201": 5.2, "111210": 5.7,
        "111211": 2.9, "111220": 2.4, "111221": 1.6, "112001": 7.1, "112011": 5.9, "112021": 3.0,
        "112101": 5.8, "112111": 2.6, "112121": 1.5, "112201": 2.3, "112211": 1.3, "112221": 0.6,
        "200000": 9.3, "200001": 8.7, "200010": 8.6, "200011": 7.2, "200020": 7.5, "200021": 5.8,
        "200100": 8.6, "200101": 7.4, "200110": 7.4, "200111": 6.1, "200120": 5.6, "200121": 3.4,
        "200200": 7.0, "200201": 5.4, "200210": 5.2, "200211": 4.0, "200220": 4.0, "200221": 2.2,
        "201000": 8.5, "201001": 7.5, "201010": 7.4, "201011": 5.5, "201020": 6.2, "201021": 5.1,
        "201100": 7.2, "201101": 5.7, "201110": 5.5, "201111": 4.1, "201120": 4.6, "201121": 1.9,
        "201200": 5.3, "201201": 3.6, "201210": 3.4, "201211": 1.9, "201220": 1.9, "201221": 0.8,
        "202001": 6.4, "202011": 5.1, "202021": 2.0, "202101": 4.7, "202111": 2.1, "202121": 1.1,
        "202201": 2.4, "202211": 0.9, "202221": 0.4, "210000": 8.8, "210001": 7.5, "210010": 7.3,
        "210011": 5.3, "210020": 6.0, "210021": 5.0, "210100": 7.3, "210101": 5.5, "210110": 5.9,
        "210111": 4.0, "210120": 4.1, "210121": 2.0, "210200": 5.4, "210201": 4.3, "210210": 4.5,
        "210211": 2.2, "210220": 2.0, "210221": 1.1, "211000": 7.5, "211001": 5.5, "211010": 5.8,
        "211011": 4.5, "211020": 4.0, "211021": 2.1, "211100": 6.1, "211101": 5.1, "211110": 4.8,
        "211111": 1.8, "211120": 2.0, "211121": 0.9, "211200": 4.6, "211201": 1.8, "211210": 1.7,
        "211211": 0.7, "211220": 0.8, "211221": 0.2, "212001": 5.3, "212011": 2.4, "212021": 1.4,
        "212101": 2.4, "212111": 1.2, "212121": 0.5, "212201": 1.0, "212211": 0.3, "212221": 0.1,
    ]
}

extension Array {
    /// The element at `index`, or nil when out of bounds.
    subscript(safe index: Int) -> Element? {
        indices.contains(index) ? self[index] : nil
    }
}
