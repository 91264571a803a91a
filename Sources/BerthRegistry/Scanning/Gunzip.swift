import CZlib

/// Streaming gunzip over zlib: a layer is decompressed as its blob is
/// read, a window at a time, never whole. Concatenated gzip members (as
/// some layer tools write) are read one after another.
final class Gunzip {
    /// zlib keeps a pointer to its stream and checks it on every call: the stream must not move.
    private let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    private var output = [UInt8](repeating: 0, count: 1 << 16)
    private var ended = false

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    init() throws {
        stream.initialize(to: z_stream())
        // 15 + 32: a window of 32 KiB, and a gzip or zlib header detected.
        guard inflateInit2_(stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            stream.deallocate()
            throw Failure(description: "zlib could not be set up")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    /// Decompresses `input`, handing each piece of output to `consume`.
    func feed(_ input: UnsafeRawBufferPointer, into consume: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard let base = input.baseAddress, !input.isEmpty else { return }
        stream.pointee.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(input.count)
        while stream.pointee.avail_in > 0 {
            if ended {
                // Another gzip member follows the one that ended.
                guard inflateReset(stream) == Z_OK else { throw Failure(description: "zlib could not start the next gzip member") }
                ended = false
            }
            let status = try output.withUnsafeMutableBytes { buffer -> Int32 in
                stream.pointee.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_out = uInt(buffer.count)
                let status = inflate(stream, Z_NO_FLUSH)
                let produced = buffer.count - Int(stream.pointee.avail_out)
                if produced > 0 { try consume(UnsafeRawBufferPointer(rebasing: buffer[..<produced])) }
                return status
            }
            switch status {
            case Z_OK: continue
            case Z_STREAM_END: ended = true
            case Z_BUF_ERROR: if stream.pointee.avail_in > 0 { continue } else { return }
            default: throw Failure(description: "the layer is not valid gzip (zlib status \(status))")
            }
        }
    }

    /// Throws unless the last member ended: a truncated layer is an error, not a short SBOM.
    func finish() throws {
        guard ended else { throw Failure(description: "the gzip stream ends early") }
    }
}
