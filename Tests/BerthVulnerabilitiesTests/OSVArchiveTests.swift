import Foundation
import Testing
@testable import BerthVulnerabilities

@Suite struct OSVArchiveTests {
    /// Builds a ZIP with Python's zipfile. `members` maps names to contents; `method` is
    /// "stored" or "deflated"; `fileCountLimit` lowers zipfile's ZIP64 entry threshold so a
    /// small archive gets a ZIP64 end record.
    private func makeZip(_ members: [(String, String)], method: String, fileCountLimit: Int? = nil) throws -> Data {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = dir.appendingPathComponent("spec.json")
        let out = dir.appendingPathComponent("all.zip")
        let json = try JSONSerialization.data(withJSONObject: members.map { [$0.0, $0.1] })
        try json.write(to: spec)
        let limit = fileCountLimit.map { "zipfile.ZIP_FILECOUNT_LIMIT = \($0)" } ?? ""
        try TestSupport.python("""
        import json, sys, zipfile
        \(limit)
        members = json.load(open(sys.argv[1]))
        method = zipfile.ZIP_STORED if sys.argv[3] == "stored" else zipfile.ZIP_DEFLATED
        with zipfile.ZipFile(sys.argv[2], "w", method) as z:
            for name, text in members:
                z.writestr(name, text.encode())
        """, [spec.path, out.path, method])
        return try Data(contentsOf: out)
    }

    private func record(_ id: String, fixed: String = "1.2.3") -> String {
        """
        {"id": "\(id)", "modified": "2024-05-01T00:00:00Z",
         "affected": [{"package": {"ecosystem": "PyPI", "name": "pkg"},
                       "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "\(fixed)"}]}]}],
         "details": "\(String(repeating: "padding so deflate has something to do. ", count: 40))"}
        """
    }

    private func extractAll(_ archive: OSVArchive) throws -> [OSVArchive.Record] {
        try archive.records().map { try $0.get() }
    }

    @Test(arguments: ["stored", "deflated"])
    func readsJSONEntries(method: String) throws {
        let data = try makeZip([
            ("GHSA-aaaa-bbbb-cccc.json", record("GHSA-aaaa-bbbb-cccc")),
            ("PYSEC-2024-1.json", record("PYSEC-2024-1", fixed: "2.0")),
            ("README.txt", "not a record"),
            ("nested/", ""),
        ], method: method)
        let archive = try OSVArchive(data: data)
        #expect(archive.entries.count == 4)
        let records = try extractAll(archive)
        #expect(records.map(\.name) == ["GHSA-aaaa-bbbb-cccc.json", "PYSEC-2024-1.json"])
        let decoded = try records.map { try OSVRecord.decode($0.bytes) }
        #expect(decoded.map(\.id) == ["GHSA-aaaa-bbbb-cccc", "PYSEC-2024-1"])
        let affected = try #require(decoded.last?.affected.first)
        #expect(affected.affects(version: "1.9", scheme: .pep440))
        #expect(!affected.affects(version: "2.0", scheme: .pep440))
    }

    @Test func readsArchivesMadeByInfoZip() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for id in ["A-1", "A-2", "A-3"] {
            try Data(record(id).utf8).write(to: dir.appendingPathComponent("\(id).json"))
        }
        try Data(String(repeating: "x", count: 10).utf8).write(to: dir.appendingPathComponent("tiny.json"))
        try TestSupport.run("/usr/bin/zip", ["-q", "-X", "-9", "deflated.zip", "A-1.json", "A-2.json", "tiny.json"], in: dir)
        try TestSupport.run("/usr/bin/zip", ["-q", "-X", "-0", "stored.zip", "A-3.json"], in: dir)
        let deflated = try extractAll(OSVArchive(data: Data(contentsOf: dir.appendingPathComponent("deflated.zip"))))
        #expect(deflated.map(\.name) == ["A-1.json", "A-2.json", "tiny.json"])
        #expect(deflated.first?.bytes == Data(record("A-1").utf8))
        let stored = try extractAll(OSVArchive(data: Data(contentsOf: dir.appendingPathComponent("stored.zip"))))
        #expect(stored.map(\.bytes) == [Data(record("A-3").utf8)])
    }

    @Test func zip64EndRecordIsHonoured() throws {
        let members = (0..<5).map { ("R-\($0).json", record("R-\($0)")) }
        var data = try makeZip(members, method: "deflated", fileCountLimit: 2)
        #expect(data.range(of: Data([0x50, 0x4B, 0x06, 0x06])) != nil)  // ZIP64 end record written
        #expect(try extractAll(OSVArchive(data: data)).map(\.name) == members.map(\.0))
        // As a writer with more than 65,535 entries would: saturate the classic counts.
        let eocd = data.count - 22
        for i in 8..<12 { data[eocd + i] = 0xFF }
        #expect(try extractAll(OSVArchive(data: data)).map(\.name) == members.map(\.0))
        // Same, but with a wrong count in the classic record: the ZIP64 record still wins.
        data[eocd + 8] = 1; data[eocd + 9] = 0; data[eocd + 10] = 1; data[eocd + 11] = 0
        #expect(try extractAll(OSVArchive(data: data)).count == 5)
        // A saturated classic record without any ZIP64 record is refused.
        var plain = try makeZip(members, method: "deflated")
        for i in 8..<12 { plain[plain.count - 22 + i] = 0xFF }
        #expect(throws: OSVArchive.Failure.malformedZIP64EndRecord) { try OSVArchive(data: plain) }
    }

    @Test func emptyArchive() throws {
        let data = try makeZip([], method: "stored")
        #expect(try extractAll(OSVArchive(data: data)).isEmpty)
    }

    @Test func corruptedContentFailsItsCRC() throws {
        var data = try makeZip([("X-1.json", record("X-1")), ("X-2.json", record("X-2"))], method: "stored")
        // Flip a byte inside the stored content of the second entry.
        let needle = Data("\"X-2\"".utf8)
        let range = try #require(data.range(of: needle))
        data[range.lowerBound + 1] ^= 0x20
        let results = Array(try OSVArchive(data: data).records())
        #expect(results.count == 2)
        #expect((try? results[0].get()) != nil)  // the good entry is still readable
        #expect(throws: OSVArchive.Failure.crcMismatch(name: "X-2.json")) { try results[1].get() }
        #expect(throws: (any Error).self) { try extractAll(OSVArchive(data: data)) }
    }

    @Test func corruptedDirectoryCRCIsCaughtForDeflatedEntries() throws {
        var data = try makeZip([("X-1.json", record("X-1"))], method: "deflated")
        let central = try #require(data.range(of: Data([0x50, 0x4B, 0x01, 0x02])))
        data[central.lowerBound + 16] ^= 0x01
        #expect(throws: OSVArchive.Failure.crcMismatch(name: "X-1.json")) { try extractAll(OSVArchive(data: data)) }
    }

    @Test func truncatedArchivesThrow() throws {
        let data = try makeZip([("X-1.json", record("X-1")), ("X-2.json", record("X-2"))], method: "deflated")
        for keep in [0, 10, 21, data.count / 2, data.count - 30, data.count - 1] {
            #expect(throws: (any Error).self, "kept \(keep)") {
                try extractAll(OSVArchive(data: data.prefix(keep)))
            }
        }
        // Truncated in the middle but with the end records re-attached: offsets now lie.
        let tail = data.suffix(22)
        let spliced = data.prefix(data.count / 3) + tail
        #expect(throws: (any Error).self) { try extractAll(OSVArchive(data: Data(spliced))) }
    }

    @Test func declaredSizeMustMatch() throws {
        var data = try makeZip([("X-1.json", record("X-1"))], method: "deflated")
        let central = try #require(data.range(of: Data([0x50, 0x4B, 0x01, 0x02])))
        // Uncompressed size in the directory, minus one.
        let at = central.lowerBound + 24
        let declared = Int(data[at]) | Int(data[at + 1]) << 8
        data[at] = UInt8((declared - 1) & 0xFF)
        data[at + 1] = UInt8((declared - 1) >> 8 & 0xFF)
        #expect(throws: OSVArchive.Failure.sizeMismatch(name: "X-1.json")) { try extractAll(OSVArchive(data: data)) }
    }

    @Test func oversizedEntryIsRefused() throws {
        let big = String(repeating: "a", count: OSVArchive.maxEntrySize + 1)
        let data = try makeZip([("BIG.json", big)], method: "deflated")
        #expect(throws: OSVArchive.Failure.entryTooLarge(name: "BIG.json", size: OSVArchive.maxEntrySize + 1)) {
            try extractAll(OSVArchive(data: data))
        }
    }

    @Test func encryptedEntryIsRefused() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(record("E-1").utf8).write(to: dir.appendingPathComponent("E-1.json"))
        try TestSupport.run("/usr/bin/zip", ["-q", "-P", "secret", "enc.zip", "E-1.json"], in: dir)
        let archive = try OSVArchive(data: Data(contentsOf: dir.appendingPathComponent("enc.zip")))
        #expect(throws: OSVArchive.Failure.encryptedEntry(name: "E-1.json")) { try extractAll(archive) }
    }

    @Test func notAZipThrows() {
        #expect(throws: OSVArchive.Failure.endOfCentralDirectoryNotFound) { try OSVArchive(data: Data()) }
        #expect(throws: OSVArchive.Failure.endOfCentralDirectoryNotFound) {
            try OSVArchive(data: Data(repeating: 0x41, count: 5000))
        }
    }

    @Test func sliceOfLargerDataWorks() throws {
        let data = try makeZip([("X-1.json", record("X-1"))], method: "deflated")
        let padded = Data([1, 2, 3]) + data
        let slice = padded[3...]  // non-zero startIndex
        #expect(try extractAll(OSVArchive(data: slice)).count == 1)
    }

    /// Every single-byte corruption of a small archive: errors are fine, traps are not.
    @Test func mutatedArchivesNeverCrash() throws {
        let data = try makeZip([("M-1.json", record("M-1")), ("M-2.json", "{}")], method: "deflated")
        for index in 0..<data.count {
            for pattern: UInt8 in [0xFF, 0x01, 0x80] {
                var mutated = data
                mutated[index] ^= pattern
                if let archive = try? OSVArchive(data: mutated) {
                    for result in archive.records() { _ = try? result.get() }
                }
            }
        }
    }
}
