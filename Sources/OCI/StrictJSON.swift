/// The checks Foundation's `JSONDecoder` does not make and a manifest
/// needs: the text is UTF-8 without a byte-order mark (the image spec
/// requires it; the decoder would read UTF-16 too), and no object holds a
/// key twice. Go's decoder keeps the last of two equal keys, and matches
/// struct fields without regard to case, so a manifest with two `layers`
/// (or a `layers` and a `Layers`) would have Berth validate one list while
/// clients pull the other. Keys are compared after unescaping, ignoring
/// ASCII case, except inside `annotations`, whose keys are free-form and
/// read exactly.
public enum StrictJSON {
    /// Deeper nesting than any manifest needs, and shallow enough that the
    /// recursion cannot exhaust the stack.
    public static let maxDepth = 64

    /// Throws `MANIFEST_INVALID` naming the first defect.
    public static func check(_ bytes: [UInt8]) throws(RegistryError) {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            throw RegistryError(.manifestInvalid, "manifest starts with a byte-order mark: it must be UTF-8 without one")
        }
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw RegistryError(.manifestInvalid, "manifest is not UTF-8")
        }
        var scanner = Scanner(bytes: bytes)
        do throws(Failure) {
            scanner.skipSpace()
            try scanner.value(depth: 0, exactKeys: false)
            scanner.skipSpace()
            guard scanner.position == bytes.count else { throw Failure("text after the JSON value") }
        } catch {
            throw RegistryError(.manifestInvalid, "manifest is not valid JSON: \(error.reason) at byte \(scanner.position)")
        }
    }

    struct Failure: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    private struct Scanner {
        let bytes: [UInt8]
        var position = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        var current: UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func skipSpace() {
            while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { position += 1 }
        }

        mutating func expect(_ byte: UInt8) throws(Failure) {
            guard current == byte else { throw Failure("expected '\(Character(Unicode.Scalar(byte)))'") }
            position += 1
        }

        mutating func value(depth: Int, exactKeys: Bool) throws(Failure) {
            guard depth < StrictJSON.maxDepth else { throw Failure("nested deeper than \(StrictJSON.maxDepth)") }
            switch current {
            case UInt8(ascii: "{"): try object(depth: depth, exactKeys: exactKeys)
            case UInt8(ascii: "["): try array(depth: depth)
            case UInt8(ascii: "\""): _ = try string()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            case .some(let byte) where byte == UInt8(ascii: "-") || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")):
                try number()
            default: throw Failure("expected a value")
            }
        }

        mutating func object(depth: Int, exactKeys: Bool) throws(Failure) {
            position += 1
            var keys = Set<String>()
            skipSpace()
            if current == UInt8(ascii: "}") { position += 1; return }
            while true {
                skipSpace()
                let key = try string()
                // Upper then lower folds as Go's EqualFold does for its odd
                // cases too (`ſ` matches `s`, the Kelvin sign matches `k`).
                let compared = exactKeys ? key : key.uppercased().lowercased()
                guard keys.insert(compared).inserted else { throw Failure("duplicate key '\(key.prefix(64))'") }
                skipSpace()
                try expect(UInt8(ascii: ":"))
                skipSpace()
                try value(depth: depth + 1, exactKeys: key == "annotations")
                skipSpace()
                if current == UInt8(ascii: ",") { position += 1; continue }
                try expect(UInt8(ascii: "}"))
                return
            }
        }

        mutating func array(depth: Int) throws(Failure) {
            position += 1
            skipSpace()
            if current == UInt8(ascii: "]") { position += 1; return }
            while true {
                skipSpace()
                try value(depth: depth + 1, exactKeys: false)
                skipSpace()
                if current == UInt8(ascii: ",") { position += 1; continue }
                try expect(UInt8(ascii: "]"))
                return
            }
        }

        /// A string, unescaped (so `"la\u0079ers"` is `layers`, as every decoder reads it).
        mutating func string() throws(Failure) -> String {
            try expect(UInt8(ascii: "\""))
            var scalars = String.UnicodeScalarView()
            var raw: [UInt8] = []
            func flush() {
                if !raw.isEmpty { scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars); raw.removeAll() }
            }
            while let byte = current {
                position += 1
                switch byte {
                case UInt8(ascii: "\""):
                    flush()
                    return String(scalars)
                case UInt8(ascii: "\\"):
                    flush()
                    guard let escaped = current else { throw Failure("unterminated string") }
                    position += 1
                    switch escaped {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(Unicode.Scalar(escaped))
                    case UInt8(ascii: "b"): scalars.append("\u{08}")
                    case UInt8(ascii: "f"): scalars.append("\u{0C}")
                    case UInt8(ascii: "n"): scalars.append("\n")
                    case UInt8(ascii: "r"): scalars.append("\r")
                    case UInt8(ascii: "t"): scalars.append("\t")
                    case UInt8(ascii: "u"):
                        let unit = try hex4()
                        if (0xD800..<0xDC00).contains(unit), current == UInt8(ascii: "\\"),
                           position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "u")
                        {
                            position += 2
                            let low = try hex4()
                            guard (0xDC00..<0xE000).contains(low) else { throw Failure("invalid surrogate pair") }
                            let value = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                            scalars.append(Unicode.Scalar(value) ?? "\u{FFFD}")
                        } else {
                            scalars.append(Unicode.Scalar(UInt32(unit)) ?? "\u{FFFD}")
                        }
                    default: throw Failure("invalid escape")
                    }
                case 0..<0x20:
                    throw Failure("control character in a string")
                default:
                    raw.append(byte)
                }
            }
            throw Failure("unterminated string")
        }

        mutating func hex4() throws(Failure) -> UInt16 {
            guard position + 4 <= bytes.count else { throw Failure("short \\u escape") }
            var value: UInt16 = 0
            for _ in 0..<4 {
                let byte = bytes[position]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw Failure("invalid \\u escape")
                }
                value = value << 4 | UInt16(digit)
                position += 1
            }
            return value
        }

        mutating func literal(_ word: StaticString) throws(Failure) {
            let text = Array(UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount))
            guard bytes[position...].starts(with: text) else { throw Failure("invalid literal") }
            position += text.count
        }

        /// RFC 8259's number grammar.
        mutating func number() throws(Failure) {
            func digits() -> Int {
                let start = position
                while let byte = current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { position += 1 }
                return position - start
            }
            if current == UInt8(ascii: "-") { position += 1 }
            if current == UInt8(ascii: "0") {
                position += 1
            } else {
                guard digits() > 0 else { throw Failure("invalid number") }
            }
            if current == UInt8(ascii: ".") {
                position += 1
                guard digits() > 0 else { throw Failure("invalid number") }
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                position += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
                guard digits() > 0 else { throw Failure("invalid number") }
            }
        }
    }
}
