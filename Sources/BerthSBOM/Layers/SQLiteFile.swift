/// Reads the rows of one table of an SQLite database held in memory (the
/// file format of https://www.sqlite.org/fileformat.html): enough for rpm's
/// `rpmdb.sqlite`, with no SQLite library and no temporary file.
///
/// The bytes come from an image, so nothing is trusted: every offset is
/// checked, a page is visited at most once (a cycle ends the walk), and a
/// malformed database yields the rows read before the fault, never a trap.
/// A write-ahead log beside the file is not read (images are checkpointed).
struct SQLiteFile {
    enum Value: Equatable {
        case null
        case integer(Int64)
        case real
        case text([UInt8])
        case blob([UInt8])
    }

    private let bytes: [UInt8]
    private let pageSize: Int
    private let usable: Int

    init?(_ bytes: [UInt8]) {
        guard bytes.count >= 512, bytes.starts(with: Array("SQLite format 3\0".utf8)) else { return nil }
        let raw = Int(bytes[16]) << 8 | Int(bytes[17])
        let size = raw == 1 ? 65_536 : raw
        guard size >= 512, size & (size - 1) == 0 else { return nil }
        self.bytes = bytes
        pageSize = size
        usable = size - Int(bytes[20])
        guard usable >= 480 else { return nil }
    }

    /// The rows of table `name`, at most `limit`, each as its column values.
    func rows(ofTable name: String, limit: Int) -> [[Value]] {
        // sqlite_schema (page 1): type, name, tbl_name, rootpage, sql.
        let schema = walk(root: 1, limit: 10_000)
        guard let entry = schema.first(where: { $0.count >= 4 && $0[0] == .text(Array("table".utf8)) && $0[1] == .text(Array(name.utf8)) }),
              case .integer(let root) = entry[3], root >= 1, root <= Int64(bytes.count / pageSize)
        else { return [] }
        return walk(root: Int(root), limit: limit)
    }

    /// Every record of the table b-tree rooted at page `root`, in rowid order.
    private func walk(root: Int, limit: Int) -> [[Value]] {
        var rows: [[Value]] = []
        var visited = Set<Int>()
        var stack = [root]
        while let page = stack.popLast(), rows.count < limit {
            guard visited.insert(page).inserted, let start = offset(ofPage: page) else { continue }
            let header = start + (page == 1 ? 100 : 0)
            guard header + 12 <= bytes.count else { continue }
            let kind = bytes[header]
            let cells = Int(u16(header + 3))
            switch kind {
            case 0x0D: // table leaf
                for i in 0..<cells where rows.count < limit {
                    let pointer = header + 8 + 2 * i
                    guard pointer + 2 <= bytes.count, let record = leafCell(at: start + Int(u16(pointer)), page: start) else { continue }
                    rows.append(record)
                }
            case 0x05: // table interior: children left to right, then the right-most
                var children: [Int] = []
                for i in 0..<cells {
                    let pointer = header + 12 + 2 * i
                    guard pointer + 2 <= bytes.count else { break }
                    let cell = start + Int(u16(pointer))
                    guard cell + 4 <= bytes.count else { continue }
                    children.append(Int(u32(cell)))
                }
                children.append(Int(u32(header + 8)))
                stack.append(contentsOf: children.reversed())
            default:
                continue
            }
        }
        return rows
    }

    private func offset(ofPage page: Int) -> Int? {
        guard page >= 1, page <= bytes.count / pageSize else { return nil }
        return (page - 1) * pageSize
    }

    /// A table leaf cell: payload size, rowid, the local payload, and the
    /// overflow chain for the rest.
    private func leafCell(at cell: Int, page: Int) -> [Value]? {
        guard cell >= page, cell < page + pageSize, let (payloadSize, rowid) = varint(at: cell),
              let (_, at) = varint(at: rowid), payloadSize >= 0, payloadSize <= Int64(1 << 30)
        else { return nil }
        let total = Int(payloadSize)
        let maxLocal = usable - 35
        var local = total
        if total > maxLocal {
            let minLocal = (usable - 12) * 32 / 255 - 23
            let k = minLocal + (total - minLocal) % (usable - 4)
            local = k <= maxLocal ? k : minLocal
        }
        guard at + local <= bytes.count else { return nil }
        var payload = Array(bytes[at..<(at + local)])
        if local < total {
            guard at + local + 4 <= bytes.count else { return nil }
            var next = Int(u32(at + local))
            var hops = 0
            while payload.count < total {
                hops += 1
                guard hops <= bytes.count / pageSize, let start = offset(ofPage: next) else { return nil }
                let take = min(usable - 4, total - payload.count)
                guard start + 4 + take <= bytes.count else { return nil }
                payload += bytes[(start + 4)..<(start + 4 + take)]
                next = Int(u32(start))
            }
        }
        return Self.record(payload)
    }

    /// A record: a header of serial types, then the values.
    static func record(_ p: [UInt8]) -> [Value]? {
        guard let (headerSize, first) = varint(p, at: 0), headerSize >= 1, headerSize <= Int64(p.count) else { return nil }
        var types: [Int64] = []
        var at = first
        while at < Int(headerSize) {
            guard let (type, next) = varint(p, at: at) else { return nil }
            types.append(type)
            at = next
        }
        var body = Int(headerSize)
        var values: [Value] = []
        for type in types {
            let length: Int
            switch type {
            case 0, 8, 9: length = 0
            case 1...4: length = Int(type)
            case 5: length = 6
            case 6, 7: length = 8
            case 12...: length = Int((type - (type % 2 == 0 ? 12 : 13)) / 2)
            default: return nil
            }
            guard length >= 0, body + length <= p.count else { return nil }
            let field = Array(p[body..<(body + length)])
            body += length
            switch type {
            case 0: values.append(.null)
            case 8: values.append(.integer(0))
            case 9: values.append(.integer(1))
            case 1...6:
                var v: Int64 = field.first.map { $0 & 0x80 != 0 ? -1 : 0 } ?? 0
                for b in field { v = v << 8 | Int64(b) }
                values.append(.integer(v))
            case 7: values.append(.real)
            default: values.append(type % 2 == 0 ? .blob(field) : .text(field))
            }
        }
        return values
    }

    private func varint(at i: Int) -> (Int64, Int)? { Self.varint(bytes, at: i) }

    /// SQLite's big-endian varint: up to 9 bytes, the ninth contributing 8 bits.
    static func varint(_ b: [UInt8], at start: Int) -> (Int64, Int)? {
        var v: UInt64 = 0
        var i = start
        for n in 0..<9 {
            guard i >= 0, i < b.count else { return nil }
            let byte = b[i]
            i += 1
            if n == 8 { return (Int64(bitPattern: v << 8 | UInt64(byte)), i) }
            v = v << 7 | UInt64(byte & 0x7F)
            if byte & 0x80 == 0 { return (Int64(bitPattern: v), i) }
        }
        return nil
    }

    private func u16(_ i: Int) -> UInt16 { UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1]) }
    private func u32(_ i: Int) -> UInt32 {
        UInt32(bytes[i]) << 24 | UInt32(bytes[i + 1]) << 16 | UInt32(bytes[i + 2]) << 8 | UInt32(bytes[i + 3])
    }
}
