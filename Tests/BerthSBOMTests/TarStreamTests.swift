import Foundation
import Testing
@testable import BerthSBOM

@Suite struct TarStreamTests {
    func entries(_ tar: [UInt8], chunk: Int = 4096, capture: @escaping @Sendable (String) -> Bool = { _ in true }) throws -> [TarEntry] {
        var s = TarStream(capture: capture)
        var out: [TarEntry] = []
        var i = 0
        while i < tar.count {
            let n = min(chunk, tar.count - i)
            out += try tar[i..<(i + n)].withUnsafeBytes { try s.feed($0) }
            i += n
        }
        return out + (try s.finish())
    }

    /// A raw ustar header with a correct checksum.
    func header(_ name: String, type: UInt8 = UInt8(ascii: "0"), size: [UInt8]? = nil, sizeValue: Int = 0) -> [UInt8] {
        var h = [UInt8](repeating: 0, count: 512)
        for (i, b) in name.utf8.prefix(100).enumerated() { h[i] = b }
        for (i, b) in "0000644\0".utf8.enumerated() { h[100 + i] = b }
        let sz = size ?? Array((String(String(sizeValue, radix: 8).reversed()).padding(toLength: 11, withPad: "0", startingAt: 0).reversed() + "\0").utf8)
        for (i, b) in sz.enumerated() { h[124 + i] = b }
        h[156] = type
        for (i, b) in "ustar\u{0}00".utf8.enumerated() { h[257 + i] = b }
        for i in 148..<156 { h[i] = 0x20 }
        let sum = h.reduce(0) { $0 + Int($1) }
        let chk = Array((String(String(sum, radix: 8).reversed()).padding(toLength: 6, withPad: "0", startingAt: 0).reversed() + "\0 ").utf8)
        for (i, b) in chk.enumerated() { h[148 + i] = b }
        return h
    }

    func padded(_ b: [UInt8]) -> [UInt8] { b + [UInt8](repeating: 0, count: (512 - b.count % 512) % 512) }
    let end = [UInt8](repeating: 0, count: 1024)

    @Test func realArchivesAllFormats() throws {
        var tree = TarFixtures.Tree()
        let long = String(repeating: "abcdefghij/", count: 12) + "file.txt"
        tree.write(long, "hello")
        tree.write("big.bin", String(repeating: "x", count: 100_000))
        tree.symlinks["link"] = "../" + String(repeating: "t", count: 120)
        for format in ["gnu", "posix", "ustar"] {
            guard format != "ustar" else { continue } // 120-char link target is not representable in ustar
            let tar = try TarFixtures.tar(tree, format: format)
            for chunk in [1, 7, 512, 65536] {
                let e = try entries(tar, chunk: chunk, capture: { $0.hasSuffix(".txt") })
                let file = try #require(e.first { $0.path == long })
                #expect(file.content == Array("hello".utf8) && file.kind == .file)
                let big = try #require(e.first { $0.path == "big.bin" })
                #expect(big.size == 100_000 && big.content == nil)
                #expect(e.first { $0.path == "link" }?.linkTarget == "../" + String(repeating: "t", count: 120))
                #expect(e.first { $0.path == "" }?.kind == .directory) // "./"
            }
        }
    }

    @Test func corruptedChecksumThrows() throws {
        var tree = TarFixtures.Tree()
        tree.write("a.txt", "a")
        var tar = try TarFixtures.tar(tree, format: "ustar")
        tar[3] ^= 0x01 // inside the first header's name
        #expect(throws: TarError.badChecksum) { try entries(tar) }
    }

    /// Truncation: entries complete before the cut are reported by `feed`,
    /// then `finish()` throws `TarError.truncated`.
    @Test func truncatedArchiveReportsCompleteEntriesThenThrows() throws {
        var tree = TarFixtures.Tree()
        tree.write("a/1.txt", "one")
        tree.write("a/2.txt", String(repeating: "2", count: 5000))
        let tar = try TarFixtures.tar(tree, format: "gnu")
        let full = try entries(tar)
        let cut = Array(tar[0..<(tar.count - 1024 - 2048)]) // inside 2.txt's data
        var s = TarStream(capture: { _ in true })
        let partial = try cut.withUnsafeBytes { try s.feed($0) }
        #expect(partial.map(\.path).contains("a/1.txt"))
        #expect(!partial.map(\.path).contains("a/2.txt"))
        #expect(Array(full.prefix(partial.count)) == partial)
        #expect(throws: TarError.truncated) { try s.finish() }
        // Cut inside a header.
        var s2 = TarStream(capture: { _ in true })
        _ = try tar[0..<100].withUnsafeBytes { try s2.feed($0) }
        #expect(throws: TarError.truncated) { try s2.finish() }
        // End of data exactly at an entry boundary (no zero blocks) is a clean end.
        #expect(try entries(padded(header("x.txt", sizeValue: 2) + Array("hi".utf8))).first?.content == Array("hi".utf8))
    }

    @Test func base256SizeAndLimits() throws {
        // base-256 size 3.
        var size = [UInt8](repeating: 0, count: 12)
        size[0] = 0x80; size[11] = 3
        let tar = header("b.txt", size: size) + padded(Array("abc".utf8)) + end
        #expect(try entries(tar).first?.content == Array("abc".utf8))
        // base-256 size > 2^40.
        var huge = [UInt8](repeating: 0, count: 12)
        huge[0] = 0x80; huge[6] = 0x02
        #expect(throws: TarError.sizeTooLarge) { try entries(header("h", size: huge) + end) }
        // 12-digit octal without terminator is valid (2^36 - 1); the data is then missing.
        #expect(throws: TarError.truncated) { try entries(header("h", size: Array("777777777777".utf8)) + end) }
        // Garbage in an octal field.
        #expect(throws: TarError.badNumber(field: "size")) { try entries(header("h", size: Array("00000z00000\0".utf8)) + end) }
        // pax header larger than 1 MiB.
        #expect(throws: TarError.metadataTooLarge) { try entries(header("p", type: UInt8(ascii: "x"), sizeValue: 2 << 20) + end) }
        // GNU long name larger than 1 MiB.
        #expect(throws: TarError.metadataTooLarge) { try entries(header("././@LongLink", type: UInt8(ascii: "L"), sizeValue: (1 << 20) + 1) + end) }
    }

    @Test func paxRecords() throws {
        func pax(_ records: String) -> [UInt8] {
            header("pax", type: UInt8(ascii: "x"), sizeValue: records.utf8.count) + padded(Array(records.utf8))
        }
        func record(_ kv: String) -> String {
            var n = kv.utf8.count + 3
            while "\(n) \(kv)\n".utf8.count != n { n += 1 }
            return "\(n) \(kv)\n"
        }
        let rec = record("path=./x/../y//long.txt") + record("size=4")
        #expect(rec.hasPrefix("27 "))
        // The header says size 9 but pax says 4.
        let tar = pax(rec) + header("short", sizeValue: 9) + padded(Array("data".utf8)) + end
        let e = try entries(tar)
        #expect(e.count == 1 && e[0].path == "y/long.txt" && e[0].content == Array("data".utf8))
        // Global headers are ignored.
        let g = header("g", type: UInt8(ascii: "g"), sizeValue: 15) + padded(Array("15 path=globl\n".utf8 + [0x0A]))
        #expect(try entries(g + header("z") + end).map(\.path) == ["z"])
        // Bad length, oversize pax size.
        #expect(throws: TarError.badPaxRecord) { try entries(pax("99 path=a\n") + header("z") + end) }
        #expect(throws: TarError.badPaxRecord) { try entries(pax("x path=a\n") + header("z") + end) }
        #expect(throws: TarError.sizeTooLarge) { try entries(pax(record("size=9999999999999")) + header("z") + end) }
        // Dangling pax header at end of data.
        #expect(throws: TarError.truncated) { try entries(pax("10 path=a\n")) }
    }

    @Test func pathNormalization() {
        #expect(PathNormalizer.normalize("./a//b/../c/") == "a/c")
        #expect(PathNormalizer.normalize("/../../etc/passwd") == "etc/passwd")
        #expect(PathNormalizer.normalize("./") == "")
    }

    @Test func imageFilesSymlinks() {
        var f = ImageFiles()
        f.apply(TarEntry(path: "usr/lib/os-release", kind: .file, size: 1, content: [1]))
        f.apply(TarEntry(path: "etc/os-release", kind: .symlink, size: 0, linkTarget: "../usr/lib/os-release"))
        f.apply(TarEntry(path: "lib", kind: .symlink, size: 0, linkTarget: "usr/lib"))
        f.apply(TarEntry(path: "abs", kind: .symlink, size: 0, linkTarget: "/lib/os-release"))
        f.apply(TarEntry(path: "loop", kind: .symlink, size: 0, linkTarget: "loop2"))
        f.apply(TarEntry(path: "loop2", kind: .symlink, size: 0, linkTarget: "loop"))
        f.apply(TarEntry(path: "hard", kind: .hardlink, size: 0, linkTarget: "usr/lib/os-release"))
        f.endLayer()
        #expect(f.file("etc/os-release") == [1])
        #expect(f.file("lib/os-release") == [1])
        #expect(f.file("abs") == [1])
        #expect(f.file("hard") == [1])
        #expect(f.file("loop") == nil)
        #expect(f.files(matching: { $0.hasSuffix("os-release") }).map(\.path) == ["usr/lib/os-release"])
        // Upper layer: whiteout of a directory through its name, same-layer entries survive opaque.
        f.apply(TarEntry(path: "usr/.wh..wh..opq", kind: .file, size: 0, content: []))
        f.apply(TarEntry(path: "usr/new", kind: .file, size: 1, content: [2]))
        f.endLayer()
        #expect(f.file("etc/os-release") == nil)
        #expect(f.file("usr/new") == [2])
    }
}
