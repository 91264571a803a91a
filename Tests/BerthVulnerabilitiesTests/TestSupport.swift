import Testing
@testable import BerthVulnerabilities

/// Consecutive pairs of an ascending list, so one documented ordering list yields many cases.
func adjacentPairs(_ ascending: [String]) -> [(String, String)] {
    zip(ascending, ascending.dropFirst()).map { ($0, $1) }
}

/// Checks `lower < higher` in both directions, so a sign error cannot hide.
func expectAscending(_ scheme: VersionScheme, _ lower: String, _ higher: String,
                     sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(scheme.compare(lower, higher).map { $0 < 0 } == true,
            "\(scheme): expected \(lower) < \(higher)", sourceLocation: sourceLocation)
    #expect(scheme.compare(higher, lower).map { $0 > 0 } == true,
            "\(scheme): expected \(higher) > \(lower)", sourceLocation: sourceLocation)
}

func expectEquivalent(_ scheme: VersionScheme, _ a: String, _ b: String,
                      sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(scheme.compare(a, b) == 0, "\(scheme): expected \(a) == \(b)", sourceLocation: sourceLocation)
    #expect(scheme.compare(b, a) == 0, "\(scheme): expected \(b) == \(a)", sourceLocation: sourceLocation)
}

func expectInvalid(_ scheme: VersionScheme, _ text: String,
                   sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(scheme.compare(text, text) == nil, "\(scheme): expected \(text) to be rejected",
            sourceLocation: sourceLocation)
    #expect(scheme.compare(text, "1") == nil, sourceLocation: sourceLocation)
}
