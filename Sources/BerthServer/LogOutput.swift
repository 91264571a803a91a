#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Logging
import OCI
import Synchronization

/// Log records as lines on standard error, cheap enough for a line per
/// request: formatted without Foundation (the time's text is made once a
/// second), appended to a buffer under a lock, and written by a thread of
/// its own every 50 ms or once 64 KiB wait. Warnings and worse are written
/// at once, with every line before them, so what explains a failure is out
/// before a crash can lose it; a crash loses at most 50 ms of the rest.
final class LogOutput: Sendable {
    static let standardError = LogOutput(descriptor: 2)

    private let descriptor: Int32
    private let pending = Mutex<[UInt8]>([])
    /// Serializes the writes, so lines leave in the order they were buffered.
    private let writing = Mutex<Void>(())
    static let interval = 0.05
    static let flushAt = 64 << 10

    private init(descriptor: Int32) {
        self.descriptor = descriptor
        let thread = Thread { [self] in
            while true {
                Thread.sleep(forTimeInterval: Self.interval)
                flush()
            }
        }
        thread.name = "berth-log"
        thread.start()
    }

    func write(_ line: String, now: Bool) {
        let full = pending.withLock { buffer in
            buffer.append(contentsOf: line.utf8)
            buffer.append(UInt8(ascii: "\n"))
            return buffer.count >= Self.flushAt
        }
        if now || full { flush() }
    }

    /// Writes what is buffered (also at exit, from `berth serve`).
    func flush() {
        writing.withLock { _ in
            let bytes = pending.withLock { buffer -> [UInt8] in
                defer { buffer.removeAll(keepingCapacity: true) }
                return buffer
            }
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeBytes { systemWrite(descriptor, $0.baseAddress! + offset, $0.count - offset) }
                if written < 0 {
                    if errno == EINTR { continue }
                    return  // standard error is gone: nothing better to do with a log line
                }
                offset += written
            }
        }
    }
}

#if canImport(Glibc)
private let systemWrite = Glibc.write
#else
private let systemWrite = Darwin.write
#endif

/// `LogHandler` in two formats: text (`time level label: message key=value…`,
/// as swift-log's stream handler writes it) and JSON (one object a line:
/// `time`, `level`, `label`, `message` and the metadata).
public struct LineLogHandler: LogHandler {
    public enum Format: Sendable { case text, json }

    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let format: Format
    private let output: LogOutput

    public init(label: String, format: Format) {
        self.init(label: label, format: format, output: .standardError)
    }

    init(label: String, format: Format, output: LogOutput) {
        self.label = label
        self.format = format
        self.output = output
    }

    /// Writes the lines still buffered (before the process exits).
    public static func flush() { LogOutput.standardError.flush() }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = metadata
        if let extra = event.metadata { fields.merge(extra) { $1 } }
        let time = LogClock.shared.now()
        let line: String
        switch format {
        case .text:
            var text = "\(time) \(event.level) \(label): \(event.message)"
            for key in fields.keys.sorted() { text += " \(key)=\(fields[key]!)" }
            line = text
        case .json:
            var json = "{\"time\":\"\(time)\",\"level\":\"\(event.level)\",\"label\":" + JSONString.quoted(label)
                + ",\"message\":" + JSONString.quoted("\(event.message)")
            for key in fields.keys.sorted() { json += "," + JSONString.quoted(key) + ":" + JSONString.quoted("\(fields[key]!)") }
            line = json + "}"
        }
        output.write(line, now: event.level >= .warning)
    }
}

/// The time as RFC 3339 text in UTC with milliseconds; the part up to the
/// seconds is made once a second.
final class LogClock: Sendable {
    static let shared = LogClock()
    private let cached = Mutex<(second: Int, text: String)>((-1, ""))

    func now() -> String {
        // Foundation's clock: `timespec` is ambiguous between Glibc and CoreFoundation in release builds.
        let now = Date().timeIntervalSince1970
        let second = Int(now.rounded(.down))
        let millis = min(999, Int((now - Double(second)) * 1000))
        let prefix = cached.withLock { cache -> String in
            if cache.second != second {
                var t = time_t(second)
                var parts = tm()
                gmtime_r(&t, &parts)
                cache = (second, Self.padded(Int(parts.tm_year) + 1900, width: 4) + "-" + Self.padded(Int(parts.tm_mon) + 1) + "-"
                    + Self.padded(Int(parts.tm_mday)) + "T" + Self.padded(Int(parts.tm_hour)) + ":"
                    + Self.padded(Int(parts.tm_min)) + ":" + Self.padded(Int(parts.tm_sec)))
            }
            return cache.text
        }
        return prefix + "." + Self.padded(millis, width: 3) + "Z"
    }

    /// `value` in decimal, zero-padded to `width` digits.
    private static func padded(_ value: Int, width: Int = 2) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
