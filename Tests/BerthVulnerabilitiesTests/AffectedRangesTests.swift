import Foundation
import Testing
@testable import BerthVulnerabilities

/// The range algorithm against the examples in ossf/osv-schema docs/schema.md. Versions are
/// dotted numeric so the stand-in `VersionScheme` can order them.
@Suite struct AffectedRangesTests {
    private func affected(_ events: [OSVEvent]) -> OSVAffected {
        affected(.semver, events)
    }

    private func affected(_ type: OSVRange.Kind, _ events: [OSVEvent], versions: [String] = []) -> OSVAffected {
        OSVAffected(package: OSVPackage(ecosystem: "npm", name: "p"),
                    ranges: [OSVRange(type: type, events: events)], versions: versions)
    }

    @Test func unfixedVulnerabilityAffectsEverything() {
        let a = affected([.introduced("0")])
        for v in ["0", "0.0.1", "1.0.0", "999.999.999"] {
            #expect(a.affects(version: v, scheme: .semver), "\(v)")
        }
    }

    @Test func fixedVulnerabilityAffectsEverythingBeforeTheFix() {
        let a = affected([.introduced("0"), .fixed("1.0.2")])
        #expect(a.affects(version: "0.1", scheme: .semver))
        #expect(a.affects(version: "1.0.1", scheme: .semver))
        #expect(!a.affects(version: "1.0.2", scheme: .semver))
        #expect(!a.affects(version: "2.0.0", scheme: .semver))
    }

    @Test func multipleRangesInOneEventsList() {
        let a = affected([.introduced("1.0.0"), .fixed("1.0.2"), .introduced("3.0.0"), .fixed("3.2.5")])
        let expected: [String: Bool] = [
            "0.9.9": false, "1.0.0": true, "1.0.1": true, "1.0.2": false, "2.5.0": false,
            "3.0.0": true, "3.2.4": true, "3.2.5": false, "4.0.0": false,
        ]
        for (v, want) in expected {
            #expect(a.affects(version: v, scheme: .semver) == want, "\(v)")
        }
    }

    @Test func eventsAreSortedBeforeTheWalk() {
        let a = affected([.fixed("3.2.5"), .introduced("3.0.0"), .fixed("1.0.2"), .introduced("1.0.0")])
        #expect(a.affects(version: "1.0.1", scheme: .semver))
        #expect(!a.affects(version: "2.0.0", scheme: .semver))
        #expect(a.affects(version: "3.1.0", scheme: .semver))
        #expect(!a.affects(version: "3.2.5", scheme: .semver))
        // "0" sorts first even when listed last.
        let zeroLast = affected([.fixed("2.0"), .introduced("0")])
        #expect(zeroLast.affects(version: "1.9", scheme: .semver))
        #expect(!zeroLast.affects(version: "2.0", scheme: .semver))
    }

    @Test func lastAffectedIsInclusive() {
        let a = affected(.ecosystem, [.introduced("0"), .lastAffected("2.1.214")])
        #expect(a.affects(version: "2.1.213", scheme: .maven))
        #expect(a.affects(version: "2.1.214", scheme: .maven))
        #expect(!a.affects(version: "2.1.215", scheme: .maven))
    }

    @Test func fixedIsExclusive() {
        let a = affected(.semver, [.introduced("0"), .fixed("2.1.214")])
        #expect(a.affects(version: "2.1.213", scheme: .semver))
        #expect(!a.affects(version: "2.1.214", scheme: .semver))
    }

    @Test func limitIsAnExclusiveUpperBound() {
        let a = affected(.ecosystem, [.introduced("1.0"), .limit("2.0")])
        #expect(!a.affects(version: "0.9", scheme: .dpkg))
        #expect(a.affects(version: "1.0", scheme: .dpkg))
        #expect(a.affects(version: "1.9.9", scheme: .dpkg))
        #expect(!a.affects(version: "2.0", scheme: .dpkg))
        #expect(!a.affects(version: "2.1", scheme: .dpkg))
    }

    @Test func limitStarIsInfinity() {
        let a = affected(.ecosystem, [.introduced("1.0"), .limit("*")])
        #expect(a.affects(version: "1000.0", scheme: .dpkg))
        #expect(!a.affects(version: "0.5", scheme: .dpkg))
    }

    /// `BeforeLimits` as the pseudocode gives it: below *any* limit is enough.
    @Test func multipleLimitsFollowBeforeLimits() {
        let a = affected(.ecosystem, [.introduced("1.0"), .limit("2.0"), .limit("3.0")])
        #expect(a.affects(version: "2.5", scheme: .rpm))
        #expect(!a.affects(version: "3.0", scheme: .rpm))
    }

    @Test func explicitVersionsListMatchesExactly() {
        let a = OSVAffected(package: OSVPackage(ecosystem: "PyPI", name: "p"),
                            versions: ["1.0", "1.1", "2.0rc1"])
        #expect(a.affects(version: "1.1", scheme: .pep440))
        #expect(a.affects(version: "2.0rc1", scheme: .pep440))  // unparsable by the stand-in, still listed
        #expect(!a.affects(version: "1.1.0", scheme: .pep440))  // exact string match only
        #expect(!a.affects(version: "1.2", scheme: .pep440))
    }

    @Test func versionsListOrRanges() {
        let a = affected(.ecosystem, [.introduced("2.0"), .fixed("2.5")], versions: ["1.3"])
        #expect(a.affects(version: "1.3", scheme: .dpkg))
        #expect(a.affects(version: "2.1", scheme: .dpkg))
        #expect(!a.affects(version: "1.4", scheme: .dpkg))
    }

    @Test func unparsableVersionIsNotAffectedByRanges() {
        let a = affected(.ecosystem, [.introduced("0")])
        #expect(!a.affects(version: "not a version!", scheme: .dpkg))
        #expect(!a.affects(version: "", scheme: .dpkg))
    }

    @Test func unparsableEventChangesNothing() {
        // The unparsable "fixed" cannot close the range.
        let a = affected(.ecosystem, [.introduced("1.0"), .fixed("garbage")])
        #expect(a.affects(version: "5.0", scheme: .dpkg))
        // An unparsable "introduced" cannot open it.
        let b = affected(.ecosystem, [.introduced("garbage"), .fixed("9.0")])
        #expect(!b.affects(version: "5.0", scheme: .dpkg))
    }

    @Test func gitRangesAreIgnored() {
        let a = affected(.git, [.introduced("0")])
        #expect(!a.affects(version: "1.0", scheme: .semver))
    }

    @Test func severalRangesAnyOneMatches() {
        let a = OSVAffected(package: OSVPackage(ecosystem: "Go", name: "m"), ranges: [
            OSVRange(type: .semver, events: [.introduced("1.0.0"), .fixed("1.2.0")]),
            OSVRange(type: .semver, events: [.introduced("2.0.0"), .fixed("2.3.1")]),
        ])
        #expect(a.affects(version: "1.1.0", scheme: .go))
        #expect(a.affects(version: "2.3.0", scheme: .go))
        #expect(!a.affects(version: "1.5.0", scheme: .go))
    }

    @Test func mergeSortIsStableAndCorrect() {
        let input = (0..<200).map { ($0 * 37) % 23 }
        let sorted = stableMergeSort(input.enumerated().map { $0 }) { $0.element < $1.element }
        #expect(sorted.map(\.element) == input.sorted())
        for (x, y) in zip(sorted, sorted.dropFirst()) where x.element == y.element {
            #expect(x.offset < y.offset)
        }
        // An inconsistent comparator must not trap.
        _ = stableMergeSort(Array(0..<100)) { _, _ in Bool.random() }
    }
}

@Suite struct OSVRecordDecodingTests {
    private func decode(_ json: String) throws -> OSVRecord {
        try OSVRecord.decode(Data(json.utf8))
    }

    @Test func decodesTheSchemaExample() throws {
        let record = try decode("""
        {
          "schema_version": "1.2.0",
          "id": "GHSA-r9p9-mrjm-926w",
          "modified": "2021-03-08T16:02:43Z",
          "published": "2021-03-08T16:06:50Z",
          "aliases": ["CVE-2020-28498"],
          "summary": "Use of a Broken or Risky Cryptographic Algorithm",
          "details": "…",
          "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:N/A:N"}],
          "affected": [{
            "package": {"ecosystem": "npm", "name": "elliptic"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "6.5.4"}]}],
            "ecosystem_specific": {"anything": [1, 2, {"deep": true}]}
          }],
          "references": [{"type": "ADVISORY", "url": "https://nvd.nist.gov/vuln/detail/CVE-2020-28498"}],
          "database_specific": {"severity": "MODERATE", "cwe_ids": ["CWE-327"]}
        }
        """)
        #expect(record.id == "GHSA-r9p9-mrjm-926w")
        #expect(record.modified == "2021-03-08T16:02:43Z")
        #expect(record.aliases == ["CVE-2020-28498"])
        #expect(!record.isWithdrawn)
        #expect(record.databaseSpecificSeverity == "MODERATE")
        #expect(record.affected.count == 1)
        let a = try #require(record.affected.first)
        #expect(a.package == OSVPackage(ecosystem: "npm", name: "elliptic"))
        #expect(a.ranges == [OSVRange(type: .ecosystem, events: [.introduced("0"), .fixed("6.5.4")])])
        #expect(a.affects(version: "6.5.3", scheme: .semver))
        #expect(!a.affects(version: "6.5.4", scheme: .semver))
        #expect(record.severityLevel(for: a) == .medium)  // 6.8 from the vector
    }

    @Test func missingIdOrModifiedIsRejected() {
        #expect(throws: (any Error).self) { try decode(#"{"modified": "2024-01-01T00:00:00Z"}"#) }
        #expect(throws: (any Error).self) { try decode(#"{"id": "X-1"}"#) }
        #expect(throws: OSVRecord.DecodingFailure.emptyRequiredField("id")) {
            try decode(#"{"id": "", "modified": "2024-01-01T00:00:00Z"}"#)
        }
        #expect(throws: (any Error).self) { try decode(#"{"id": 7, "modified": "2024-01-01T00:00:00Z"}"#) }
        #expect(throws: (any Error).self) { try decode("not json") }
    }

    @Test func oversizedRecordIsRefusedBeforeParsing() {
        let big = Data(repeating: 0x20, count: OSVRecord.maxEncodedSize + 1)
        #expect(throws: OSVRecord.DecodingFailure.tooLarge(OSVRecord.maxEncodedSize + 1)) {
            try OSVRecord.decode(big)
        }
    }

    @Test func unknownRangeTypeAndMalformedEventsDropOnlyThatRange() throws {
        let record = try decode("""
        {"id": "X-1", "modified": "2024-01-01T00:00:00Z", "withdrawn": "2024-02-01T00:00:00Z",
         "affected": [{
           "package": {"ecosystem": "Debian:12", "name": "openssl"},
           "versions": ["3.0.1"],
           "database_specific": "not an object",
           "ranges": [
             {"type": "FUTURE_TYPE", "events": [{"introduced": "0"}]},
             {"type": "ECOSYSTEM", "events": [{"introduced": "1.0", "fixed": "2.0"}]},
             {"type": "ECOSYSTEM", "events": [{}]},
             {"type": "ECOSYSTEM", "events": [{"introduced": "3.0"}, {"fixed": "3.0.5"}]},
             {"type": "GIT", "repo": "https://example.com/r", "events": [{"introduced": "abc"}, {"limit": "def"}]}
           ]
         }]}
        """)
        #expect(record.isWithdrawn)
        let a = try #require(record.affected.first)
        #expect(a.ignoredRangeCount == 3)
        #expect(a.ranges.map(\.type) == [.ecosystem, .git])
        #expect(a.databaseSpecificSeverity == nil)
        #expect(a.affects(version: "3.0.1", scheme: .dpkg))
        #expect(a.affects(version: "3.0.4", scheme: .dpkg))
        #expect(!a.affects(version: "1.5", scheme: .dpkg))
    }

    @Test func wrongJSONTypesRejectTheRecord() {
        #expect(throws: (any Error).self) {
            try decode(#"{"id": "X", "modified": "m", "aliases": [1]}"#)
        }
        #expect(throws: (any Error).self) {
            try decode(#"{"id": "X", "modified": "m", "affected": [{"versions": "1.0"}]}"#)
        }
    }

    @Test func nullsAreAbsent() throws {
        let r = try decode(#"{"id": "X", "modified": "m", "aliases": null, "withdrawn": null, "affected": null}"#)
        #expect(r.aliases.isEmpty)
        #expect(!r.isWithdrawn)
        #expect(r.affected.isEmpty)
    }
}
