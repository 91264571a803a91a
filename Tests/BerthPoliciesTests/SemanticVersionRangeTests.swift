import BerthPolicies
import Testing

@Suite("Semantic version ranges")
struct SemanticVersionRangeTests {
    func holds(_ range: String, _ tag: String) -> Bool {
        SemanticVersionRange(range)!.contains(SemanticVersion(tag)!)
    }

    @Test func comparatorsCaretsAndTildes() {
        #expect(holds(">=1.2.0 <2.0.0", "1.9.9") && !holds(">=1.2.0 <2.0.0", "2.0.0") && !holds(">=1.2.0 <2.0.0", "1.1.9"))
        #expect(holds("^1.4.0", "v1.99.0") && !holds("^1.4.0", "2.0.0") && !holds("^1.4.0", "1.3.9"))
        #expect(holds("^0.3.1", "0.3.9") && !holds("^0.3.1", "0.4.0"))
        #expect(holds("~2.3.1", "2.3.7") && !holds("~2.3.1", "2.4.0"))
        #expect(holds("=3.0.0 || >=4.1.0", "3.0.0") && holds("=3.0.0 || >=4.1.0", "4.2.0") && !holds("=3.0.0 || >=4.1.0", "3.5.0"))
        #expect(holds("1.2.3", "v1.2.3") && holds("^9.9.9", "9.10.0"))
        #expect(holds("^99999999999999999999.0.0", "99999999999999999999.5.0"))
        #expect(!holds("^99999999999999999999.0.0", "100000000000000000000.0.0"))
    }

    @Test func preReleasesOnlyWhenNamed() {
        #expect(!holds(">=1.0.0", "2.0.0-rc.1"))
        #expect(holds(">=2.0.0-rc.0 <3.0.0", "2.0.0-rc.1"))
        #expect(!holds(">=2.0.0-rc.0 <3.0.0", "2.1.0-rc.1"))
    }

    @Test func malformedRangesAreRefused() {
        for bad in ["", ">=", "^1.2", ">=1.2.0 ||", "1.2.x", "=>1.0.0", String(repeating: "1", count: 300)] {
            #expect(SemanticVersionRange(bad) == nil, "\(bad)")
        }
    }
}
