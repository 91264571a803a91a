/// Raw DEFLATE decompression (RFC 1951): stored, fixed-Huffman and dynamic-Huffman blocks.
///
/// Written here because Foundation on Linux offers no zlib API, and OSV's `all.zip` archives
/// are deflated. The input is attacker-reachable (downloaded archives), so the decoder is
/// built to fail closed:
/// - every read is bounds-checked and running out of input throws `.truncatedInput`;
/// - output is capped by the caller (`maxOutputSize`); exceeding it throws before allocating;
/// - Huffman code sets are validated as zlib's reference `puff` does: over-subscribed sets are
///   rejected, incomplete sets are accepted only for the literal/length and distance codes
///   when they hold at most one code (RFC 1951 §3.2.7), and the code-length code must be
///   complete; the end-of-block code must exist;
/// - a back-reference may not reach before the start of the output;
/// - every loop consumes at least one input bit per iteration, so work is linear in the
///   input: a crafted stream cannot loop forever. Table construction per block is bounded
///   (a 512-entry fast table), so many tiny dynamic blocks cannot multiply the cost.
public enum Inflate {
    public enum Failure: Error, Equatable, Sendable {
        case truncatedInput
        case invalidBlockType
        case storedLengthMismatch
        case invalidCodeLengths
        case oversubscribedCode
        case incompleteCode
        case missingEndOfBlock
        case invalidSymbol
        case distanceTooFar
        case outputLimitExceeded(limit: Int)
    }

    /// Decompresses a complete raw DEFLATE stream (no zlib or gzip wrapper). Bytes after the
    /// final block are ignored.
    public static func inflate(_ input: [UInt8], maxOutputSize: Int) throws -> [UInt8] {
        var state = State(input: input, limit: max(0, maxOutputSize))
        try state.run()
        return state.output
    }

    /// The first `count` bytes a stream inflates to, or fewer where `input`
    /// ends or turns invalid first: a probe of whether it is the stream looked for.
    public static func prefix(of input: [UInt8], count: Int) -> [UInt8] {
        var state = State(input: input, limit: max(0, count))
        try? state.run()
        return state.output
    }
}

// MARK: - Huffman codes

/// A canonical Huffman code: `counts`/`symbols` for the bit-at-a-time decode of RFC 1951
/// §3.2.2, plus a small table that resolves codes of up to `fastBits` bits in one lookup.
struct Huffman: Sendable {
    static let maxBits = 15
    static let fastBits = 9
    static let fastMask: UInt64 = (1 << UInt64(fastBits)) - 1

    enum Completeness { case required, atMostOneCodeMayBeIncomplete }

    /// `counts[len]`: number of codes of bit length `len` (index 0 unused by decoding).
    private(set) var counts: [Int] = Array(repeating: 0, count: maxBits + 1)
    /// Symbols ordered by (code length, symbol value): canonical code order.
    private(set) var symbols: [Int] = []
    /// Indexed by the next `fastBits` input bits (LSB first): `len << 9 | symbol`, 0 = miss.
    private(set) var fast: [UInt16] = Array(repeating: 0, count: 1 << fastBits)

    init() {}

    init(lengths: [Int], completeness: Completeness) throws {
        for length in lengths {
            guard length >= 0 && length <= Self.maxBits else { throw Inflate.Failure.invalidCodeLengths }
            counts[length] += 1
        }
        var left = 1
        for length in 1...Self.maxBits {
            left <<= 1
            left -= counts[length]
            if left < 0 { throw Inflate.Failure.oversubscribedCode }
        }
        if left > 0 {
            let used = lengths.count - counts[0]
            switch completeness {
            case .required: throw Inflate.Failure.incompleteCode
            case .atMostOneCodeMayBeIncomplete:
                guard used <= 1 else { throw Inflate.Failure.incompleteCode }
            }
        }

        // Canonical order for the slow path.
        var offsets = Array(repeating: 0, count: Self.maxBits + 2)
        for length in 1...Self.maxBits { offsets[length + 1] = offsets[length] + counts[length] }
        symbols = Array(repeating: 0, count: lengths.count - counts[0])
        for (symbol, length) in lengths.enumerated() where length != 0 {
            symbols[offsets[length]] = symbol
            offsets[length] += 1
        }

        // Fast table: the canonical code of each short symbol, bit-reversed because DEFLATE
        // packs Huffman codes most-significant bit first into an LSB-first stream.
        var nextCode = Array(repeating: 0, count: Self.maxBits + 1)
        var code = 0
        for length in 1...Self.maxBits {
            code = (code + (length == 1 ? 0 : counts[length - 1])) << 1
            nextCode[length] = code
        }
        for (symbol, length) in lengths.enumerated() where length != 0 {
            let assigned = nextCode[length]
            nextCode[length] += 1
            guard length <= Self.fastBits, symbol < 512 else { continue }
            var reversed = 0
            for bit in 0..<length where assigned & (1 << bit) != 0 {
                reversed |= 1 << (length - 1 - bit)
            }
            let entry = UInt16(length << 9 | symbol)
            var index = reversed
            while index < fast.count {
                fast[index] = entry
                index += 1 << length
            }
        }
    }

    /// Fixed literal/length code of RFC 1951 §3.2.6.
    static let fixedLiteralLength: Huffman = {
        var lengths = Array(repeating: 8, count: 288)
        for i in 144..<256 { lengths[i] = 9 }
        for i in 256..<280 { lengths[i] = 7 }
        return (try? Huffman(lengths: lengths, completeness: .required)) ?? Huffman()
    }()

    /// Fixed distance code: 32 five-bit codes; symbols 30 and 31 are rejected when decoded.
    static let fixedDistance: Huffman =
        (try? Huffman(lengths: Array(repeating: 5, count: 32), completeness: .required)) ?? Huffman()
}

// MARK: - Decoder state

private struct State {
    let input: [UInt8]
    let limit: Int
    var position = 0
    var bitBuffer: UInt64 = 0
    var bitCount = 0
    var output: [UInt8] = []

    init(input: [UInt8], limit: Int) {
        self.input = input
        self.limit = limit
        output.reserveCapacity(min(limit, 1 << 20))
    }

    mutating func run() throws {
        var final = false
        repeat {
            final = try bits(1) == 1
            switch try bits(2) {
            case 0: try storedBlock()
            case 1: try codes(Huffman.fixedLiteralLength, Huffman.fixedDistance)
            case 2:
                let (literal, distance) = try dynamicTables()
                try codes(literal, distance)
            default: throw Inflate.Failure.invalidBlockType
            }
        } while !final
    }

    // MARK: Bits

    private mutating func refill() {
        while bitCount <= 56 && position < input.count {
            bitBuffer |= UInt64(input[position]) << UInt64(bitCount)
            position += 1
            bitCount += 8
        }
    }

    /// The next `count` (0...16) bits, LSB first.
    private mutating func bits(_ count: Int) throws -> Int {
        guard count > 0 else { return 0 }
        if bitCount < count {
            refill()
            guard bitCount >= count else { throw Inflate.Failure.truncatedInput }
        }
        let value = Int(bitBuffer & ((1 << UInt64(count)) - 1))
        bitBuffer >>= UInt64(count)
        bitCount -= count
        return value
    }

    private mutating func decode(_ code: Huffman) throws -> Int {
        if bitCount < Huffman.fastBits { refill() }
        if bitCount > 0 {
            // Bits past `bitCount` are zero, so a hit longer than what is buffered means the
            // input ended inside the code.
            let entry = code.fast[Int(bitBuffer & Huffman.fastMask)]
            if entry != 0 {
                let length = Int(entry >> 9)
                guard length <= bitCount else { throw Inflate.Failure.truncatedInput }
                bitBuffer >>= UInt64(length)
                bitCount -= length
                return Int(entry & 0x1FF)
            }
        }
        // Longer (or invalid) code: canonical decode one bit at a time, as in zlib's puff.
        var value = 0, first = 0, index = 0
        for length in 1...Huffman.maxBits {
            value |= try bits(1)
            let count = code.counts[length]
            if value - count < first {
                guard let symbol = code.symbols[safe: index + (value - first)] else {
                    throw Inflate.Failure.invalidSymbol
                }
                return symbol
            }
            index += count
            first = (first + count) << 1
            value <<= 1
        }
        throw Inflate.Failure.invalidSymbol
    }

    // MARK: Blocks

    private mutating func storedBlock() throws {
        let skip = bitCount & 7
        bitBuffer >>= UInt64(skip)
        bitCount -= skip
        let length = try bits(16)
        let complement = try bits(16)
        guard length == (~complement & 0xFFFF) else { throw Inflate.Failure.storedLengthMismatch }
        // Hand the whole bytes still buffered back to the input, then copy directly.
        position -= bitCount / 8
        bitBuffer = 0
        bitCount = 0
        guard position >= 0 else { throw Inflate.Failure.truncatedInput }
        // What fits is copied before a failure, for `prefix`.
        let available = input.count - position
        let copied = min(length, available, limit - output.count)
        output.append(contentsOf: input[position..<(position + copied)])
        position += copied
        guard copied == length else {
            throw length > available ? Inflate.Failure.truncatedInput : Inflate.Failure.outputLimitExceeded(limit: limit)
        }
    }

    private static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
                                     35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    private static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
                                      3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    private static let distanceBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
                                       257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
                                       8193, 12289, 16385, 24577]
    private static let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
                                        7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

    private mutating func codes(_ literal: Huffman, _ distance: Huffman) throws {
        while true {
            let symbol = try decode(literal)
            if symbol < 256 {
                guard output.count < limit else { throw Inflate.Failure.outputLimitExceeded(limit: limit) }
                output.append(UInt8(truncatingIfNeeded: symbol))
            } else if symbol == 256 {
                return
            } else {
                guard let base = Self.lengthBase[safe: symbol - 257],
                      let extra = Self.lengthExtra[safe: symbol - 257]
                else { throw Inflate.Failure.invalidSymbol }
                let length = base + (try bits(extra))
                let distanceSymbol = try decode(distance)
                guard let dBase = Self.distanceBase[safe: distanceSymbol],
                      let dExtra = Self.distanceExtra[safe: distanceSymbol]
                else { throw Inflate.Failure.invalidSymbol }
                let back = dBase + (try bits(dExtra))
                guard back <= output.count else { throw Inflate.Failure.distanceTooFar }
                // Byte by byte: the source may overlap what is being written (RLE-style). What fits is
                // copied before a failure, for `prefix`.
                let fits = min(length, limit - output.count)
                var from = output.count - back
                for _ in 0..<fits {
                    output.append(output[from])
                    from += 1
                }
                guard fits == length else { throw Inflate.Failure.outputLimitExceeded(limit: limit) }
            }
        }
    }

    private static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    private mutating func dynamicTables() throws -> (Huffman, Huffman) {
        let literalCount = try bits(5) + 257
        let distanceCount = try bits(5) + 1
        let codeLengthCount = try bits(4) + 4
        // 286/287 literal and 30/31 distance codes are invalid (RFC 1951 §3.2.7).
        guard literalCount <= 286, distanceCount <= 30 else { throw Inflate.Failure.invalidCodeLengths }

        var codeLengthLengths = Array(repeating: 0, count: 19)
        for i in 0..<codeLengthCount {
            codeLengthLengths[Self.codeLengthOrder[i]] = try bits(3)
        }
        let codeLengthCode = try Huffman(lengths: codeLengthLengths, completeness: .required)

        let total = literalCount + distanceCount
        var lengths: [Int] = []
        lengths.reserveCapacity(total)
        while lengths.count < total {
            let symbol = try decode(codeLengthCode)
            switch symbol {
            case 0..<16:
                lengths.append(symbol)
            case 16:
                guard let previous = lengths.last else { throw Inflate.Failure.invalidCodeLengths }
                let repeatCount = 3 + (try bits(2))
                guard repeatCount <= total - lengths.count else { throw Inflate.Failure.invalidCodeLengths }
                lengths.append(contentsOf: repeatElement(previous, count: repeatCount))
            case 17, 18:
                let repeatCount = symbol == 17 ? 3 + (try bits(3)) : 11 + (try bits(7))
                guard repeatCount <= total - lengths.count else { throw Inflate.Failure.invalidCodeLengths }
                lengths.append(contentsOf: repeatElement(0, count: repeatCount))
            default:
                throw Inflate.Failure.invalidSymbol
            }
        }
        let literalLengths = Array(lengths[0..<literalCount])
        guard literalLengths[safe: 256].map({ $0 != 0 }) == true else { throw Inflate.Failure.missingEndOfBlock }
        let literal = try Huffman(lengths: literalLengths, completeness: .atMostOneCodeMayBeIncomplete)
        let distance = try Huffman(lengths: Array(lengths[literalCount...]), completeness: .atMostOneCodeMayBeIncomplete)
        return (literal, distance)
    }
}
