import Foundation
import Testing
@testable import BerthVulnerabilities

@Suite struct CRC32Tests {
    @Test func knownValues() {
        #expect(CRC32.checksum([UInt8]()) == 0)
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
        let whole = CRC32.checksum(Array("hello world".utf8))
        let split = CRC32.checksum(Array(" world".utf8), continuing: CRC32.checksum(Array("hello".utf8)))
        #expect(whole == split)
    }
}

@Suite struct InflateTests {
    /// Raw-deflates sample data with Python's zlib in several modes (stored, fixed-Huffman,
    /// dynamic, Huffman-only, RLE) and checks the round trip.
    @Test func roundTripsAgainstZlib() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try TestSupport.python("""
        import os, random, sys, zlib
        out = sys.argv[1]
        rng = random.Random(7)
        samples = {
          "empty": b"",
          "one": b"a",
          "text": (b'{"id": "GHSA-xxxx", "modified": "2024-01-01T00:00:00Z", "affected": []}\\n') * 500,
          "random": bytes(rng.getrandbits(8) for _ in range(70000)),
          "runs": b"\\x00" * 100000 + b"ab" * 40000,
          "mixed": b"".join(bytes([rng.choice(b"abcdefgh")]) * rng.randint(1, 300) for _ in range(3000)),
        }
        modes = {"l0": (0, zlib.Z_DEFAULT_STRATEGY), "l1": (1, zlib.Z_DEFAULT_STRATEGY),
                 "l9": (9, zlib.Z_DEFAULT_STRATEGY), "fixed": (6, zlib.Z_FIXED),
                 "huff": (6, zlib.Z_HUFFMAN_ONLY), "rle": (6, zlib.Z_RLE)}
        for name, data in samples.items():
            open(os.path.join(out, name + ".raw"), "wb").write(data)
            for mode, (level, strategy) in modes.items():
                c = zlib.compressobj(level, zlib.DEFLATED, -15, 9, strategy)
                open(os.path.join(out, name + "." + mode), "wb").write(c.compress(data) + c.flush())
        """, [dir.path])
        var checked = 0
        for sample in ["empty", "one", "text", "random", "runs", "mixed"] {
            let raw = try [UInt8](Data(contentsOf: dir.appendingPathComponent(sample + ".raw")))
            for mode in ["l0", "l1", "l9", "fixed", "huff", "rle"] {
                let packed = try [UInt8](Data(contentsOf: dir.appendingPathComponent(sample + "." + mode)))
                let unpacked = try Inflate.inflate(packed, maxOutputSize: raw.count)
                #expect(unpacked == raw, "\(sample).\(mode)")
                checked += 1
            }
        }
        #expect(checked == 36)
    }

    @Test func handBuiltStoredAndFixedBlocks() throws {
        // Stored block "hi": BFINAL=1, BTYPE=00, LEN=2, NLEN=~2.
        #expect(try Inflate.inflate([0x01, 0x02, 0x00, 0xFD, 0xFF, 0x68, 0x69], maxOutputSize: 10) == Array("hi".utf8))
        // Empty fixed-Huffman block (what zlib emits for empty input).
        #expect(try Inflate.inflate([0x03, 0x00], maxOutputSize: 0) == [])
    }

    @Test func malformedStreamsThrow() {
        // Truncated stored block.
        #expect(throws: Inflate.Failure.truncatedInput) {
            try Inflate.inflate([0x01, 0x05, 0x00, 0xFA, 0xFF, 0x68], maxOutputSize: 10)
        }
        // LEN/NLEN disagree.
        #expect(throws: Inflate.Failure.storedLengthMismatch) {
            try Inflate.inflate([0x01, 0x02, 0x00, 0x00, 0x00, 0x68, 0x69], maxOutputSize: 10)
        }
        // Reserved block type 11.
        #expect(throws: Inflate.Failure.invalidBlockType) { try Inflate.inflate([0x07], maxOutputSize: 10) }
        // Empty input.
        #expect(throws: Inflate.Failure.truncatedInput) { try Inflate.inflate([], maxOutputSize: 10) }
        // Non-final block with nothing after it.
        #expect(throws: Inflate.Failure.truncatedInput) { try Inflate.inflate([0x02, 0x00], maxOutputSize: 10) }
        // Output larger than allowed.
        #expect(throws: Inflate.Failure.outputLimitExceeded(limit: 1)) {
            try Inflate.inflate([0x01, 0x02, 0x00, 0xFD, 0xFF, 0x68, 0x69], maxOutputSize: 1)
        }
    }

    @Test func invalidHuffmanTablesAreRejected() {
        // Over-subscribed code: more codes of length 1 than exist.
        #expect(throws: Inflate.Failure.oversubscribedCode) {
            try Huffman(lengths: [1, 1, 1], completeness: .required)
        }
        #expect(throws: Inflate.Failure.incompleteCode) {
            try Huffman(lengths: [1, 2], completeness: .required)
        }
        // A single code is allowed to be incomplete for literal/distance codes.
        #expect(throws: Never.self) { try Huffman(lengths: [0, 1, 0], completeness: .atMostOneCodeMayBeIncomplete) }
        #expect(throws: Inflate.Failure.invalidCodeLengths) {
            try Huffman(lengths: [16], completeness: .atMostOneCodeMayBeIncomplete)
        }
    }

    /// Random and mutated streams: anything may be thrown, nothing may trap or hang.
    @Test func fuzzedInputNeverCrashes() throws {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<3000 {
            let length = Int.random(in: 0..<200, using: &rng)
            let garbage = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            _ = try? Inflate.inflate(garbage, maxOutputSize: 1 << 16)
        }
        // Bit flips in a real dynamic-Huffman stream.
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("d")
        try TestSupport.python("""
        import sys, zlib
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        data = b"".join(b"record %d: introduced 0 fixed 1.%d\\n" % (i, i % 17) for i in range(400))
        open(sys.argv[1], "wb").write(c.compress(data) + c.flush())
        """, [file.path])
        let stream = try [UInt8](Data(contentsOf: file))
        for index in stream.indices {
            for bit in [0, 3, 7] {
                var mutated = stream
                mutated[index] ^= UInt8(1 << bit)
                _ = try? Inflate.inflate(mutated, maxOutputSize: 1 << 20)
            }
        }
        for cut in stride(from: 0, to: stream.count, by: 7) {
            #expect(throws: (any Error).self) { try Inflate.inflate(Array(stream[0..<cut]), maxOutputSize: 1 << 20) }
        }
    }
}
