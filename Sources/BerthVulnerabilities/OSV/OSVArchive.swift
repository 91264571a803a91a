import Foundation

/// Reader for OSV's per-ecosystem `all.zip` (one JSON file per record), held in memory.
///
/// The archive comes from the network, so every structure is treated as hostile:
/// - `init` parses the end-of-central-directory record and the whole central directory and
///   throws on anything inconsistent (truncation, offsets outside the file, multi-disk sets,
///   more than `maxEntries` entries). A directory that parses is the only thing trusted to
///   say where entries are; local headers are cross-checked against it.
/// - Entries are extracted lazily by `records()`, one at a time, each as a `Result`, so one bad
///   entry does not hide the others and memory stays at one entry. An entry is refused if it
///   is encrypted, uses a method other than stored (0) or deflate (8), declares more than
///   `maxEntrySize` uncompressed bytes, decompresses to a size other than the declared one,
///   or fails its CRC-32.
///
/// ZIP64: the ZIP64 end-of-central-directory record is honoured (and preferred when present),
/// because it is how a writer records more than 65,535 entries (large ecosystems such as Debian or Ubuntu can exceed
/// that). ZIP64 *per-entry* sizes and offsets (entries or archives of 4 GiB and more) are not
/// supported and such entries are refused: entries are capped at 1 MiB, and an archive that
/// large is not something to hold in memory.
public struct OSVArchive: Sendable {
    /// Most entries accepted in one archive.
    public static let maxEntries = 2_000_000
    /// Largest uncompressed entry accepted: the same bound as `OSVRecord.maxEncodedSize`.
    public static let maxEntrySize = OSVRecord.maxEncodedSize

    public enum Failure: Error, Equatable, Sendable {
        case endOfCentralDirectoryNotFound
        case multiDiskArchive
        case malformedZIP64EndRecord
        case centralDirectoryOutOfBounds
        case malformedCentralDirectory(entry: Int)
        case tooManyEntries(Int)
        case zip64EntryUnsupported(name: String)
        case encryptedEntry(name: String)
        case unsupportedMethod(name: String, method: Int)
        case entryTooLarge(name: String, size: Int)
        case malformedLocalHeader(name: String)
        case sizeMismatch(name: String)
        case crcMismatch(name: String)
        case decompressionFailed(name: String, reason: Inflate.Failure)
    }

    /// One central-directory entry, as far as extraction needs it.
    public struct Entry: Sendable, Equatable {
        public let name: String
        let flags: Int
        let method: Int
        let crc32: UInt32
        let compressedSize: Int
        let uncompressedSize: Int
        let localHeaderOffset: Int
        /// Sizes or offset deferred to a ZIP64 extra field: never extractable here.
        let needsZIP64: Bool
    }

    /// One extracted `*.json` entry.
    public struct Record: Sendable, Equatable {
        public let name: String
        public let bytes: Data
    }

    private let bytes: ByteView
    public let entries: [Entry]
    /// Where the central directory starts: entry data must end before it.
    private let centralDirectoryOffset: Int

    public init(data: Data) throws {
        let view = ByteView(data)
        bytes = view
        let end = try Self.findEndOfCentralDirectory(view)
        var directory = try Self.readEndRecord(view, at: end)
        // A ZIP64 locator, when present, is authoritative even if the classic record's fields
        // are not saturated: some writers store the entry count modulo 65,536 there.
        if directory.needsZIP64 || (end >= 20 && view.u32(end - 20) == 0x0706_4B50) {
            directory = try Self.readZIP64EndRecord(view, eocdOffset: end)
        }
        guard directory.entryCount <= Self.maxEntries else { throw Failure.tooManyEntries(directory.entryCount) }
        // Each entry takes at least 46 bytes: a count the directory cannot hold is a lie.
        guard directory.entryCount <= directory.size / 46,
              directory.offset <= directory.endLimit,
              directory.size <= directory.endLimit - directory.offset
        else { throw Failure.centralDirectoryOutOfBounds }
        centralDirectoryOffset = directory.offset
        entries = try Self.readCentralDirectory(view, directory)
    }

    /// The `*.json` entries (case-insensitive suffix; directories and other files skipped), in
    /// directory order, extracted and verified one at a time as the sequence is iterated.
    public func records() -> some Sequence<Result<Record, any Error>> {
        entries.lazy
            .filter { !$0.name.hasSuffix("/") && $0.name.lowercased().hasSuffix(".json") }
            .map { entry in Result { try self.extract(entry) } }
    }

    /// Extracts and verifies one entry of at most `maxSize` bytes uncompressed.
    public func extract(_ entry: Entry, maxSize: Int = maxEntrySize) throws -> Record {
        let name = entry.name
        guard !entry.needsZIP64 else { throw Failure.zip64EntryUnsupported(name: name) }
        guard entry.flags & 0x41 == 0 else { throw Failure.encryptedEntry(name: name) }  // bit 0 / bit 6
        guard entry.method == 0 || entry.method == 8 else {
            throw Failure.unsupportedMethod(name: name, method: entry.method)
        }
        guard entry.uncompressedSize <= maxSize else {
            throw Failure.entryTooLarge(name: name, size: entry.uncompressedSize)
        }
        // No sane deflate stream is much larger than its output; refusing more bounds the work.
        guard entry.compressedSize <= entry.uncompressedSize + entry.uncompressedSize / 8 + 1024 else {
            throw Failure.sizeMismatch(name: name)
        }

        // Local header: signature, flags and method must agree with the directory.
        let local = entry.localHeaderOffset
        guard bytes.u32(local) == 0x0403_4B50,
              let localFlags = bytes.u16(local + 6), let localMethod = bytes.u16(local + 8),
              let nameLength = bytes.u16(local + 26), let extraLength = bytes.u16(local + 28)
        else { throw Failure.malformedLocalHeader(name: name) }
        guard localFlags & 0x41 == 0 else { throw Failure.encryptedEntry(name: name) }
        guard localMethod == entry.method else { throw Failure.malformedLocalHeader(name: name) }
        let dataStart = local + 30 + nameLength + extraLength
        guard dataStart <= centralDirectoryOffset,
              entry.compressedSize <= centralDirectoryOffset - dataStart,
              let payload = bytes.slice(dataStart, entry.compressedSize)
        else { throw Failure.malformedLocalHeader(name: name) }

        let content: [UInt8]
        if entry.method == 0 {
            guard entry.compressedSize == entry.uncompressedSize else { throw Failure.sizeMismatch(name: name) }
            content = payload
        } else {
            do {
                content = try Inflate.inflate(payload, maxOutputSize: entry.uncompressedSize)
            } catch Inflate.Failure.outputLimitExceeded {
                throw Failure.sizeMismatch(name: name)
            } catch let failure as Inflate.Failure {
                throw Failure.decompressionFailed(name: name, reason: failure)
            }
            guard content.count == entry.uncompressedSize else { throw Failure.sizeMismatch(name: name) }
        }
        guard CRC32.checksum(content) == entry.crc32 else { throw Failure.crcMismatch(name: name) }
        return Record(name: name, bytes: Data(content))
    }

    // MARK: - Directory parsing

    private struct Directory {
        var entryCount: Int
        var size: Int
        var offset: Int
        /// The directory must end at or before this offset (the start of the end records).
        var endLimit: Int
        var needsZIP64: Bool
    }

    /// The end-of-central-directory record: the last "PK\u{5}\u{6}" whose comment length
    /// reaches exactly the end of the file (so a signature inside the comment is skipped).
    private static func findEndOfCentralDirectory(_ view: ByteView) throws -> Int {
        let minimum = 22
        guard view.count >= minimum else { throw Failure.endOfCentralDirectoryNotFound }
        let last = view.count - minimum
        let first = max(0, last - 0xFFFF)
        var candidate = last
        while candidate >= first {
            if view.u32(candidate) == 0x0605_4B50, let commentLength = view.u16(candidate + 20),
               candidate + minimum + commentLength == view.count {
                return candidate
            }
            candidate -= 1
        }
        throw Failure.endOfCentralDirectoryNotFound
    }

    private static func readEndRecord(_ view: ByteView, at offset: Int) throws -> Directory {
        guard let disk = view.u16(offset + 4), let cdDisk = view.u16(offset + 6),
              let diskEntries = view.u16(offset + 8), let totalEntries = view.u16(offset + 10),
              let size = view.u32(offset + 12), let cdOffset = view.u32(offset + 16)
        else { throw Failure.endOfCentralDirectoryNotFound }
        let zip64 = diskEntries == 0xFFFF || totalEntries == 0xFFFF || size == 0xFFFF_FFFF || cdOffset == 0xFFFF_FFFF
        if !zip64 {
            guard disk == 0, cdDisk == 0, diskEntries == totalEntries else { throw Failure.multiDiskArchive }
        }
        return Directory(entryCount: totalEntries, size: size, offset: cdOffset, endLimit: offset, needsZIP64: zip64)
    }

    /// ZIP64 locator (20 bytes right before the EOCD) and the ZIP64 end record it points to.
    private static func readZIP64EndRecord(_ view: ByteView, eocdOffset: Int) throws -> Directory {
        let locator = eocdOffset - 20
        guard locator >= 0, view.u32(locator) == 0x0706_4B50,
              let locatorDisk = view.u32(locator + 4), let recordOffset = view.u64(locator + 8),
              let diskCount = view.u32(locator + 16)
        else { throw Failure.malformedZIP64EndRecord }
        guard locatorDisk == 0, diskCount <= 1 else { throw Failure.multiDiskArchive }
        guard recordOffset <= locator - 56, view.u32(recordOffset) == 0x0606_4B50,
              let disk = view.u32(recordOffset + 16), let cdDisk = view.u32(recordOffset + 20),
              let diskEntries = view.u64(recordOffset + 24), let totalEntries = view.u64(recordOffset + 32),
              let size = view.u64(recordOffset + 40), let cdOffset = view.u64(recordOffset + 48)
        else { throw Failure.malformedZIP64EndRecord }
        guard disk == 0, cdDisk == 0, diskEntries == totalEntries else { throw Failure.multiDiskArchive }
        return Directory(entryCount: totalEntries, size: size, offset: cdOffset, endLimit: recordOffset, needsZIP64: false)
    }

    private static func readCentralDirectory(_ view: ByteView, _ directory: Directory) throws -> [Entry] {
        var entries: [Entry] = []
        entries.reserveCapacity(directory.entryCount)
        var cursor = directory.offset
        let end = directory.offset + directory.size
        for index in 0..<directory.entryCount {
            guard cursor <= end - 46, view.u32(cursor) == 0x0201_4B50,
                  let flags = view.u16(cursor + 8), let method = view.u16(cursor + 10),
                  let crc = view.u32(cursor + 16),
                  let compressed = view.u32(cursor + 20), let uncompressed = view.u32(cursor + 24),
                  let nameLength = view.u16(cursor + 28), let extraLength = view.u16(cursor + 30),
                  let commentLength = view.u16(cursor + 32), let localOffset = view.u32(cursor + 42)
            else { throw Failure.malformedCentralDirectory(entry: index) }
            let recordLength = 46 + nameLength + extraLength + commentLength
            guard recordLength <= end - cursor, let nameBytes = view.slice(cursor + 46, nameLength) else {
                throw Failure.malformedCentralDirectory(entry: index)
            }
            let name = String(decoding: nameBytes, as: UTF8.self)
            if compressed == 0xFFFF_FFFF || uncompressed == 0xFFFF_FFFF || localOffset == 0xFFFF_FFFF {
                // Kept in the list so `extract` can report it; it can never be extracted.
                entries.append(Entry(name: name, flags: flags, method: method, crc32: UInt32(truncatingIfNeeded: crc),
                                     compressedSize: 0, uncompressedSize: 0, localHeaderOffset: 0, needsZIP64: true))
            } else {
                guard localOffset < directory.offset else { throw Failure.malformedCentralDirectory(entry: index) }
                entries.append(Entry(name: name, flags: flags, method: method, crc32: UInt32(truncatingIfNeeded: crc),
                                     compressedSize: compressed, uncompressedSize: uncompressed,
                                     localHeaderOffset: localOffset, needsZIP64: false))
            }
            cursor += recordLength
        }
        return entries
    }
}

/// Bounds-checked little-endian reads over the archive bytes. Every accessor returns nil for a
/// range that is not wholly inside the data, and every value is returned as a non-negative
/// `Int` that fits (64-bit values above `Int.max` are nil), so callers never trap.
struct ByteView: Sendable {
    private let data: Data
    let count: Int

    init(_ data: Data) {
        self.data = data
        count = data.count
    }

    private func has(_ offset: Int, _ length: Int) -> Bool {
        offset >= 0 && length >= 0 && offset <= count && length <= count - offset
    }

    private func byte(_ offset: Int) -> UInt64 {
        UInt64(data[data.startIndex + offset])
    }

    private func read(_ offset: Int, _ length: Int) -> UInt64? {
        guard has(offset, length) else { return nil }
        var value: UInt64 = 0
        for i in 0..<length { value |= byte(offset + i) << UInt64(8 * i) }
        return value
    }

    func u16(_ offset: Int) -> Int? { read(offset, 2).flatMap { Int(exactly: $0) } }
    func u32(_ offset: Int) -> Int? { read(offset, 4).flatMap { Int(exactly: $0) } }
    func u64(_ offset: Int) -> Int? { read(offset, 8).flatMap { Int(exactly: $0) } }

    func slice(_ offset: Int, _ length: Int) -> [UInt8]? {
        guard has(offset, length) else { return nil }
        let start = data.startIndex + offset
        return [UInt8](data[start..<(start + length)])
    }
}
