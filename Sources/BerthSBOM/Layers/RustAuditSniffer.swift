import BerthVulnerabilities
import Glibc

/// Finds the dependency list cargo-auditable embeds in a Rust executable
/// (its `.dep-v0` section: zlib-compressed JSON, `{"packages":[…]}`) while
/// the file's bytes stream past, so an executable of any size is neither
/// kept nor unpacked.
///
/// The section may sit anywhere in the file, and ELF names its sections only
/// in its last bytes, long after the section went by. So a stream is
/// recognised by its content: a zlib header (0x78, then a check byte that
/// declares no preset dictionary) whose first inflated bytes open the JSON.
/// Such a header comes about once in 16 KiB of other bytes, and most fail
/// the probe within a few bits. Only ELF files are searched; the first
/// stream confirmed is collected (at most `maxCompressed` bytes) until it
/// inflates whole.
struct RustAuditSniffer {
    static let maxCompressed = 1 << 20
    static let maxJSON = 8 << 20
    /// Compressed bytes a probe reads: enough to pass a dynamic block's code tables.
    static let probeBytes = 320
    /// What the JSON opens with (older cargo-auditable writes `packages` first).
    static let openings = [Array(#"{"packages":"#.utf8), Array(#"{"format":"#.utf8)]
    /// The zlib check bytes that follow 0x78 when no dictionary is preset.
    private static let checkBytes: Set<UInt8> = [0x01, 0x5E, 0x9C, 0xDA]

    private enum State {
        case elfCheck
        case searching
        case collecting
        case done
    }

    private var state = State.elfCheck
    /// The first bytes (elfCheck), the last bytes of the previous chunk
    /// where a header may start (searching), or the stream (collecting).
    private var pending: [UInt8] = []
    private var nextAttempt = 4096
    /// The inflated JSON, once found.
    private(set) var found: [UInt8]?

    mutating func feed(_ chunk: UnsafeRawBufferPointer) {
        var bytes = chunk
        if state == .elfCheck {
            let take = min(4 - pending.count, bytes.count)
            pending += bytes.prefix(take)
            bytes = UnsafeRawBufferPointer(rebasing: bytes.dropFirst(take))
            guard pending.count == 4 else { return }
            state = pending == GoBuildInfoSniffer.elfMagic ? .searching : .done
            pending = []
        }
        switch state {
        case .searching: search(bytes)
        case .collecting: collect(bytes)
        case .elfCheck, .done: return
        }
    }

    /// The file ended: a header in its last bytes is probed with what there
    /// is, and a stream collected so far is inflated as it is.
    mutating func finish() {
        if state == .searching, !pending.isEmpty {
            let tail = pending
            pending = []
            tail.withUnsafeBytes { tail in
                if let start = Self.stream(in: tail, before: tail.count) { startCollecting(UnsafeRawBufferPointer(rebasing: tail[start...])) }
            }
        }
        if state == .collecting { attempt(last: true) }
        state = .done
    }

    private static var window: Int { probeBytes + 2 }

    /// Searches the chunk in place; only the previous chunk's tail and the
    /// start of this one, where a header may straddle them, are copied.
    private mutating func search(_ chunk: UnsafeRawBufferPointer) {
        if !pending.isEmpty {
            let tail = pending.count
            let joined = pending + chunk.prefix(Self.window - 1)
            pending = []
            // A chunk shorter than a probe lies whole in `joined`: its headers are probed there too, as far as they fit.
            let short = chunk.count < Self.window - 1
            let probed = short ? max(0, joined.count - Self.window + 1) : tail
            let found = joined.withUnsafeBytes { joined -> Bool in
                guard let start = Self.stream(in: joined, before: probed) else { return false }
                startCollecting(UnsafeRawBufferPointer(rebasing: joined[start...]))
                return true
            }
            if found, !short { collect(UnsafeRawBufferPointer(rebasing: chunk.dropFirst(Self.window - 1))) }
            if found { return }
            if short {
                pending = Array(joined[probed...])
                return
            }
        }
        let probed = max(0, chunk.count - Self.window + 1)
        if let start = Self.stream(in: chunk, before: probed) {
            startCollecting(UnsafeRawBufferPointer(rebasing: chunk[start...]))
            return
        }
        // Headers that start too near the end to be probed wait for the next chunk.
        pending = Array(chunk[probed...])
    }

    /// The first offset before `limit` where a zlib header opens a stream
    /// that inflates to the JSON's opening (probed with at most `window` bytes).
    private static func stream(in bytes: UnsafeRawBufferPointer, before limit: Int) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        var at = 0
        while at < limit, let hit = memchr(base + at, 0x78, limit - at) {
            let start = base.distance(to: UnsafeRawPointer(hit))
            at = start + 1
            guard start + 1 < bytes.count, checkBytes.contains(bytes[start + 1]) else { continue }
            let probe = Inflate.prefix(of: Array(bytes[(start + 2)..<min(bytes.count, start + window)]), count: 12)
            if openings.contains(where: { probe.starts(with: $0) }) { return start }
        }
        return nil
    }

    private mutating func startCollecting(_ stream: UnsafeRawBufferPointer) {
        state = .collecting
        pending = []
        collect(UnsafeRawBufferPointer(rebasing: stream.dropFirst(2)))
    }

    private mutating func collect(_ bytes: UnsafeRawBufferPointer) {
        pending += bytes.prefix(Self.maxCompressed - pending.count)
        if pending.count >= min(nextAttempt, Self.maxCompressed) { attempt(last: pending.count >= Self.maxCompressed) }
    }

    /// Inflates what was collected; a stream cut short waits for twice as many bytes.
    private mutating func attempt(last: Bool) {
        if let json = try? Inflate.inflate(pending, maxOutputSize: Self.maxJSON) {
            found = json
            state = .done
        } else if last {
            state = .done
        } else {
            nextAttempt = pending.count * 2
            return
        }
        pending = []
    }
}
