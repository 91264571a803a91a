/// Finds a Go binary's build information while its bytes stream past, so
/// an executable of any size is neither kept nor unpacked.
///
/// The Go linker (1.18 and later) writes a `.go.buildinfo` section aligned
/// to 16 bytes: the 14-byte magic `\xff Go buildinf:`, the pointer size, a
/// flags byte (bit 2: strings inline), padding to 32 bytes, then two
/// varint-prefixed strings, the Go version and the module information. Only
/// ELF files are searched (their first four bytes say so), and only at
/// 16-byte boundaries of the file, which the section's alignment keeps
/// (segments are page aligned in the file). Older binaries hold pointers
/// instead of inline strings and are not read.
struct GoBuildInfoSniffer {
    static let magic: [UInt8] = [0xFF] + Array(" Go buildinf:".utf8)
    /// What an ELF file's first four bytes are (the Rust sniffer checks them too).
    static let elfMagic: [UInt8] = [0x7F, 0x45, 0x4C, 0x46]
    /// The most kept after the magic: a module list larger than this is not read.
    static let maxInfo = 1 << 20

    private enum State {
        case elfCheck
        case searching
        case collecting
        case done
    }

    private var state = State.elfCheck
    private var offset: Int64 = 0
    /// A partial 16-byte block (searching) or the bytes kept (collecting).
    private var pending: [UInt8] = []
    private(set) var found: [UInt8]?

    /// Only files at least this large can hold an ELF header and the section.
    static let minimumSize: Int64 = 96

    mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        var i = 0
        while i < bytes.count {
            switch state {
            case .done:
                return
            case .elfCheck:
                let take = min(4 - pending.count, bytes.count - i)
                pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[i..<(i + take)]))
                i += take
                offset += Int64(take)
                if pending.count == 4 {
                    // The ELF magic opens the first block, which therefore is no section.
                    state = pending == Self.elfMagic ? .searching : .done
                }
            case .searching:
                if pending.isEmpty, offset % 16 == 0 {
                    // Whole blocks straight from the chunk: one byte compared per block.
                    while i + 16 <= bytes.count {
                        if bytes[i] == 0xFF, Self.isMagic(UnsafeRawBufferPointer(rebasing: bytes[i..<(i + 14)])) {
                            startCollecting(UnsafeRawBufferPointer(rebasing: bytes[i..<(i + 16)]))
                            i += 16
                            offset += 16
                            break
                        }
                        i += 16
                        offset += 16
                    }
                    if state != .searching { continue }
                }
                // A block split across chunks.
                let take = min(16 - pending.count, bytes.count - i)
                pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[i..<(i + take)]))
                i += take
                offset += Int64(take)
                if pending.count == 16 {
                    let block = pending
                    pending = []
                    if block[0] == 0xFF, block.withUnsafeBytes({ Self.isMagic(UnsafeRawBufferPointer(rebasing: $0[0..<14])) }) {
                        block.withUnsafeBytes { startCollecting($0) }
                    }
                }
            case .collecting:
                let want = needed()
                let take = min(want - pending.count, bytes.count - i)
                if take > 0 {
                    pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[i..<(i + take)]))
                    i += take
                    offset += Int64(take)
                }
                settle()
            }
        }
    }

    private static func isMagic(_ b: UnsafeRawBufferPointer) -> Bool {
        b.count >= 14 && zip(b, magic).allSatisfy { $0 == $1 }
    }

    private mutating func startCollecting(_ block: UnsafeRawBufferPointer) {
        pending = Array(block)
        state = .collecting
    }

    /// How many bytes (from the magic) the parse needs next.
    private func needed() -> Int {
        switch Self.parse(pending) {
        case .needMore(let n): return min(n, 32 + Self.maxInfo)
        case .done, .invalid: return pending.count
        }
    }

    private mutating func settle() {
        switch Self.parse(pending) {
        case .done:
            found = pending
            state = .done
        case .invalid:
            state = .done
        case .needMore(let n):
            if n > 32 + Self.maxInfo { state = .done }
        }
        if state == .done, found == nil { pending = [] }
    }

    enum Parse: Equatable {
        case needMore(Int)
        case done(goVersion: String, modules: String)
        case invalid
    }

    /// Reads the section from its magic: the header, then two varint-prefixed strings.
    static func parse(_ b: [UInt8]) -> Parse {
        guard b.count >= 32 else { return .needMore(32) }
        guard b[15] & 0x2 != 0 else { return .invalid } // pointer format (Go before 1.18)
        var at = 32
        var strings: [String] = []
        for _ in 0..<2 {
            var length = 0
            var shift = 0
            while true {
                guard at < b.count else { return .needMore(at + 1) }
                let byte = b[at]
                at += 1
                length |= Int(byte & 0x7F) << shift
                if byte & 0x80 == 0 { break }
                shift += 7
                guard shift <= 28 else { return .invalid }
            }
            guard length <= maxInfo else { return .invalid }
            guard at + length <= b.count else { return .needMore(at + length) }
            var text = b[at..<(at + length)]
            // The module list sits between two 16-byte sentinels, as Go's debug/buildinfo reads it.
            if strings.count == 1 {
                text = text.count >= 33 && text[text.endIndex - 17] == 0x0A ? text.dropFirst(16).dropLast(16) : []
            }
            strings.append(String(decoding: text, as: UTF8.self))
            at += length
        }
        return .done(goVersion: strings[0], modules: strings[1])
    }
}
