/// A push parser for tar streams (ustar, POSIX pax, GNU).
///
/// Why push: layers arrive as chunks of arbitrary size from the network and
/// gunzip; the parser must never hold a whole layer or a whole large file.
/// It keeps at most one 512-byte header, one pending metadata record
/// (pax / GNU long name, capped at 1 MiB) and the content of the file being
/// captured (capped at `maxCapturedFile`). Everything else is skipped by
/// counting bytes.
///
/// Truncation: entries are returned by `feed` as soon as their data is
/// complete; `finish()` throws `TarError.truncated` when the data stops in the
/// middle of a header, an entry or its padding, or after a dangling pax/GNU
/// metadata header. Entries already returned stay valid.
public struct TarStream: Sendable {
    static let blockSize = 512
    static let maxEntrySize: Int64 = 1 << 40
    static let maxMetadataSize: Int64 = 1 << 20

    private enum BodyMode: Sendable {
        case skip
        case capture
        case longName
        case longLink
        case pax
        case globalPax
    }

    private enum Phase: Sendable {
        case header
        case body
        case padding
        case ended
    }

    private let capture: @Sendable (String) -> Bool
    private let maxCapturedFile: Int

    private var phase: Phase = .header
    private var header: [UInt8] = []
    private var zeroBlocks = 0

    private var mode: BodyMode = .skip
    private var remaining: Int64 = 0
    private var padRemaining = 0
    private var current: TarEntry?
    private var buffer: [UInt8] = []
    /// Watches a skipped file's bytes for Go build information.
    private var sniffer: GoBuildInfoSniffer?
    /// And for the dependencies cargo-auditable embeds.
    private var rustSniffer: RustAuditSniffer?

    // Overrides for the next entry (GNU 'L'/'K', pax 'x').
    private var longName: String?
    private var longLink: String?
    private var paxPath: String?
    private var paxLinkpath: String?
    private var paxSize: Int64?

    /// - Parameters:
    ///   - capture: called with the normalized path of each regular file; when
    ///     it returns true (and the file fits `maxCapturedFile`) the content is kept.
    ///   - maxCapturedFile: largest file whose bytes are kept.
    public init(capture: @escaping @Sendable (String) -> Bool, maxCapturedFile: Int = 8 << 20) {
        self.capture = capture
        self.maxCapturedFile = max(0, maxCapturedFile)
        header.reserveCapacity(Self.blockSize)
    }

    /// Consumes `bytes` and returns the entries completed by them.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) throws -> [TarEntry] {
        var out: [TarEntry] = []
        var i = 0
        let n = bytes.count
        while i < n {
            switch phase {
            case .ended:
                return out // trailing bytes after the end marker are ignored
            case .header:
                let take = min(Self.blockSize - header.count, n - i)
                header.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[i..<(i + take)]))
                i += take
                if header.count == Self.blockSize {
                    let block = header
                    header.removeAll(keepingCapacity: true)
                    if let e = try processHeader(block) { out.append(e) }
                }
            case .body:
                let take = Int(min(remaining, Int64(n - i)))
                switch mode {
                case .skip:
                    sniffer?.feed(UnsafeRawBufferPointer(rebasing: bytes[i..<(i + take)]))
                    rustSniffer?.feed(UnsafeRawBufferPointer(rebasing: bytes[i..<(i + take)]))
                default:
                    buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[i..<(i + take)]))
                }
                i += take
                remaining -= Int64(take)
                if remaining == 0, let e = try finishBody() { out.append(e) }
            case .padding:
                let take = min(padRemaining, n - i)
                i += take
                padRemaining -= take
                if padRemaining == 0 { phase = .header }
            }
        }
        return out
    }

    /// Signals the end of data. Throws `TarError.truncated` if it came mid-entry.
    public mutating func finish() throws -> [TarEntry] {
        switch phase {
        case .ended:
            return []
        case .header:
            if !header.isEmpty { throw TarError.truncated }
            if longName != nil || longLink != nil || paxPath != nil || paxLinkpath != nil || paxSize != nil {
                throw TarError.truncated
            }
            phase = .ended
            return []
        case .body, .padding:
            throw TarError.truncated
        }
    }

    // MARK: - Header

    private mutating func processHeader(_ h: [UInt8]) throws -> TarEntry? {
        if h.allSatisfy({ $0 == 0 }) {
            zeroBlocks += 1
            if zeroBlocks >= 2 { phase = .ended }
            return nil
        }
        zeroBlocks = 0
        try verifyChecksum(h)

        let type = h[156]
        let headerSize = try Self.parseNumber(h, 124, 12, field: "size")
        if headerSize > Self.maxEntrySize { throw TarError.sizeTooLarge }

        // Metadata headers describing the next entry.
        switch type {
        case UInt8(ascii: "L"), UInt8(ascii: "K"), UInt8(ascii: "x"), UInt8(ascii: "g"):
            if headerSize > Self.maxMetadataSize { throw TarError.metadataTooLarge }
            switch type {
            case UInt8(ascii: "L"): mode = .longName
            case UInt8(ascii: "K"): mode = .longLink
            case UInt8(ascii: "x"): mode = .pax
            default: mode = .globalPax
            }
            buffer.removeAll(keepingCapacity: false)
            buffer.reserveCapacity(Int(headerSize))
            return try startBody(size: headerSize)
        default:
            break
        }

        let isUstar = h[257..<263].elementsEqual("ustar\0".utf8)
        var name = Self.cString(h, 0, 100)
        if isUstar {
            let prefix = Self.cString(h, 345, 155)
            if !prefix.isEmpty { name = prefix + "/" + name }
        }
        let rawPath = paxPath ?? longName ?? name
        let rawLink = paxLinkpath ?? longLink ?? Self.cString(h, 157, 100)
        let size = paxSize ?? headerSize
        longName = nil; longLink = nil; paxPath = nil; paxLinkpath = nil; paxSize = nil
        if size > Self.maxEntrySize || size < 0 { throw TarError.sizeTooLarge }

        var kind: TarEntry.Kind
        var dataSize = size
        switch type {
        case UInt8(ascii: "0"), 0, UInt8(ascii: "7"):
            kind = rawPath.hasSuffix("/") ? .directory : .file
        case UInt8(ascii: "1"): kind = .hardlink; dataSize = 0
        case UInt8(ascii: "2"): kind = .symlink; dataSize = 0
        case UInt8(ascii: "5"): kind = .directory; dataSize = 0
        case UInt8(ascii: "3"), UInt8(ascii: "4"), UInt8(ascii: "6"): kind = .other; dataSize = 0
        default: kind = .other // e.g. GNU sparse 'S': its data is skipped
        }
        if kind == .directory { dataSize = 0 }

        let path = PathNormalizer.normalize(rawPath)
        var entry = TarEntry(path: path, kind: kind, size: kind == .file ? size : 0)
        switch kind {
        case .symlink: entry.linkTarget = rawLink
        case .hardlink: entry.linkTarget = PathNormalizer.normalize(rawLink)
        default: break
        }
        if kind == .file, size <= Int64(maxCapturedFile), capture(path) {
            mode = .capture
            buffer.removeAll(keepingCapacity: false)
            buffer.reserveCapacity(Int(size))
        } else {
            mode = .skip
            sniffer = kind == .file && size >= GoBuildInfoSniffer.minimumSize ? GoBuildInfoSniffer() : nil
            rustSniffer = kind == .file && size >= GoBuildInfoSniffer.minimumSize ? RustAuditSniffer() : nil
        }
        current = entry
        return try startBody(size: dataSize)
    }

    /// Sets up reading `size` bytes of body; completes immediately when empty.
    private mutating func startBody(size: Int64) throws -> TarEntry? {
        remaining = size
        padRemaining = Int((Int64(Self.blockSize) - size % Int64(Self.blockSize)) % Int64(Self.blockSize))
        phase = .body
        if size == 0 { return try finishBody() }
        return nil
    }

    private mutating func finishBody() throws -> TarEntry? {
        phase = padRemaining > 0 ? .padding : .header
        var result: TarEntry?
        switch mode {
        case .skip:
            result = current
            result?.goBuildInfo = sniffer?.found
            rustSniffer?.finish()
            result?.rustAudit = rustSniffer?.found
            (sniffer, rustSniffer) = (nil, nil)
        case .capture:
            current?.content = buffer
            result = current
        case .longName:
            longName = Self.stripNUL(buffer)
        case .longLink:
            longLink = Self.stripNUL(buffer)
        case .pax:
            try parsePax(buffer)
        case .globalPax:
            break // global headers are ignored
        }
        current = nil
        buffer = []
        mode = .skip
        return result
    }

    private func verifyChecksum(_ h: [UInt8]) throws {
        let stored = try Self.parseNumber(h, 148, 8, field: "chksum")
        var unsigned: Int64 = 0
        var signed: Int64 = 0
        for (i, b) in h.enumerated() {
            let v: UInt8 = (148..<156).contains(i) ? 0x20 : b
            unsigned += Int64(v)
            signed += Int64(Int8(bitPattern: v))
        }
        if stored != unsigned && stored != signed { throw TarError.badChecksum }
    }

    // MARK: - pax

    /// Records are "<len> <key>=<value>\n" where len counts the whole record.
    private mutating func parsePax(_ data: [UInt8]) throws {
        var i = 0
        while i < data.count {
            // Tolerate trailing NUL padding some writers add.
            if data[i] == 0 { break }
            var len = 0
            var j = i
            while j < data.count, data[j] >= 0x30, data[j] <= 0x39 {
                len = len * 10 + Int(data[j] - 0x30)
                if len > data.count { throw TarError.badPaxRecord }
                j += 1
            }
            guard j > i, j < data.count, data[j] == 0x20 else { throw TarError.badPaxRecord }
            let end = i + len
            guard len > 0, end <= data.count, end > j + 1, data[end - 1] == 0x0A else {
                throw TarError.badPaxRecord
            }
            let record = data[(j + 1)..<(end - 1)]
            guard let eq = record.firstIndex(of: UInt8(ascii: "=")) else { throw TarError.badPaxRecord }
            let key = String(decoding: record[record.startIndex..<eq], as: UTF8.self)
            let value = String(decoding: record[(eq + 1)...], as: UTF8.self)
            switch key {
            case "path": paxPath = value
            case "linkpath": paxLinkpath = value
            case "size":
                guard !value.isEmpty, value.utf8.count <= 20, value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                      let v = Int64(value), v <= Self.maxEntrySize
                else { throw TarError.sizeTooLarge }
                paxSize = v
            default: break
            }
            i = end
        }
    }

    // MARK: - Field helpers

    static func cString(_ h: [UInt8], _ off: Int, _ len: Int) -> String {
        let slice = h[off..<(off + len)]
        let end = slice.firstIndex(of: 0) ?? slice.endIndex
        return String(decoding: slice[off..<end], as: UTF8.self)
    }

    static func stripNUL(_ b: [UInt8]) -> String {
        var end = b.count
        while end > 0, b[end - 1] == 0 { end -= 1 }
        let cut = b[0..<end].firstIndex(of: 0) ?? end
        return String(decoding: b[0..<cut], as: UTF8.self)
    }

    /// Octal (space/NUL padded) or GNU base-256 (high bit set) number,
    /// range-checked against 2^40 so arithmetic can never overflow.
    static func parseNumber(_ h: [UInt8], _ off: Int, _ len: Int, field: String) throws -> Int64 {
        let f = h[off..<(off + len)]
        guard let first = f.first else { throw TarError.badNumber(field: field) }
        if first & 0x80 != 0 {
            if first == 0xFF { throw TarError.badNumber(field: field) } // negative
            var v = Int64(first & 0x7F)
            for b in f.dropFirst() {
                if v > (Self.maxEntrySize << 1) >> 8 { throw TarError.sizeTooLarge }
                v = (v << 8) | Int64(b)
            }
            if v > Self.maxEntrySize { throw TarError.sizeTooLarge }
            return v
        }
        var i = f.startIndex
        while i < f.endIndex, f[i] == 0x20 || f[i] == 0 { i += 1 }
        var v: Int64 = 0
        var digits = 0
        while i < f.endIndex, f[i] >= 0x30, f[i] <= 0x37 {
            v = v * 8 + Int64(f[i] - 0x30)
            digits += 1
            if v > Self.maxEntrySize {
                if field == "size" { throw TarError.sizeTooLarge }
                throw TarError.badNumber(field: field)
            }
            i += 1
        }
        while i < f.endIndex {
            if f[i] != 0x20 && f[i] != 0 { throw TarError.badNumber(field: field) }
            i += 1
        }
        if digits == 0 && field == "chksum" { throw TarError.badNumber(field: field) }
        return v
    }
}
