import BerthClient
import BerthStorage
import NIOCore
import Synchronization

/// One blob on its way from the upstream into the cache. The request that
/// started it streams the bytes as they arrive (`LiveBlob`); whoever asks
/// meanwhile waits for `stored`. The fetch runs on its own task, so it
/// finishes for the cache even when the first client goes away.
final class BlobFill: Sendable {
    let pipe: ChunkPipe
    /// The blob's size once the upstream answered; nil when it turned out to be cached already.
    let opened: Task<Int64?, any Error>
    /// Done when the blob is stored, checked against its digest, and linked.
    let stored: Task<Void, any Error>

    /// Reader and store each hold at most `buffer` bytes between them.
    static let buffer = 4 << 20
    /// A first client that reads nothing for this long stops holding up the cache (and is cut off).
    static let patience: Duration = .seconds(60)

    init(open: @escaping @Sendable () async throws -> VerifiedBytes?, store: @escaping @Sendable (ByteStream) async throws -> Void) {
        let pipe = ChunkPipe(limit: Self.buffer, patience: Self.patience)
        let upstream = Task { try await open() }
        self.pipe = pipe
        opened = Task { try await upstream.value?.size }
        stored = Task {
            do {
                if let bytes = try await upstream.value {
                    try await store(ByteStream(bytes).inspecting { await pipe.send($0) })
                }
                pipe.finish(.success(()))
            } catch {
                pipe.finish(.failure(error))
                throw error
            }
        }
    }
}

/// The first client's claim on a blob being filled: it reads the pipe
/// once. Dropped unread (a `HEAD`, a client gone), it lets go of the pipe,
/// and the fill goes on without waiting for it.
final class LiveBlob: Sendable {
    let fill: BlobFill
    private let taken = Atomic<Bool>(false)

    init(_ fill: BlobFill) { self.fill = fill }

    /// The bytes as they arrive, for the one read that gets there first; nil for any other.
    func chunks(size: Int64) -> BlobChunks? {
        guard !taken.exchange(true, ordering: .acquiringAndReleasing) else { return nil }
        // The chunks keep this claim (and so the pipe) alive while the response is written.
        return BlobChunks(count: size, blobSize: size) { try await self.fill.pipe.next() }
    }

    /// This claim will not be read: the fill stops keeping bytes for it.
    func letGo() {
        if !taken.exchange(true, ordering: .acquiringAndReleasing) { fill.pipe.detach() }
    }

    deinit { fill.pipe.detach() }
}

/// Chunks from one producer to one reader, at most `limit` bytes ahead.
/// The last chunk is held back until the producer says the whole blob
/// checked out, so a client never receives all of a blob that did not
/// match its digest: its response ends short instead.
final class ChunkPipe: Sendable {
    private struct State {
        var chunks: [ByteBuffer] = []
        var buffered = 0
        var end: Result<Void, any Error>?
        var detached = false
        var reader: CheckedContinuation<Void, Never>?
        var writer: CheckedContinuation<Void, Never>?

        /// The producer must wait: the reader is behind (and can take a chunk, so it is not waiting for one).
        func writerMustWait(limit: Int) -> Bool { !detached && buffered > limit && chunks.count >= 2 }
    }

    private let state = Mutex(State())
    let limit: Int
    let patience: Duration

    init(limit: Int, patience: Duration) {
        (self.limit, self.patience) = (limit, patience)
    }

    /// Hands over a chunk; waits while the reader is behind, but no longer
    /// than `patience` before letting the reader go.
    func send(_ chunk: ByteBuffer) async {
        let (reader, wait) = state.withLock { state -> (CheckedContinuation<Void, Never>?, Bool) in
            guard !state.detached else { return (nil, false) }
            state.chunks.append(chunk)
            state.buffered += chunk.readableBytes
            return (state.reader.take(), state.writerMustWait(limit: limit))
        }
        reader?.resume()
        guard wait else { return }
        let timer = Task { [patience] in
            try await Task.sleep(for: patience)
            self.detach()
        }
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state in
                if !state.writerMustWait(limit: limit) { return true }
                state.writer = continuation
                return false
            }
            if ready { continuation.resume() }
        }
        timer.cancel()
    }

    /// The producer is done: the blob is stored, or it failed.
    func finish(_ result: Result<Void, any Error>) {
        let reader = state.withLock { state in
            state.end = result
            return state.reader.take()
        }
        reader?.resume()
    }

    /// The reader is gone: nothing more is kept for it.
    func detach() {
        let writer = state.withLock { state in
            state.detached = true
            state.chunks = []
            state.buffered = 0
            return state.writer.take()
        }
        writer?.resume()
    }

    /// The next chunk, nil after the last, or the producer's failure.
    func next() async throws -> ByteBuffer? {
        enum Step { case chunk(ByteBuffer, wakes: CheckedContinuation<Void, Never>?), done, failed(any Error), wait }
        while true {
            let step = state.withLock { state -> Step in
                if state.detached { return .failed(ReaderTooSlow()) }
                if case .failure(let error)? = state.end { return .failed(error) }
                let finished = state.end != nil
                if state.chunks.count >= 2 || (finished && !state.chunks.isEmpty) {
                    let chunk = state.chunks.removeFirst()
                    state.buffered -= chunk.readableBytes
                    return .chunk(chunk, wakes: state.writerMustWait(limit: limit) ? nil : state.writer.take())
                }
                return finished ? .done : .wait
            }
            switch step {
            case .chunk(let chunk, let writer):
                writer?.resume()
                return chunk
            case .done: return nil
            case .failed(let error): throw error
            case .wait:
                await withCheckedContinuation { continuation in
                    let ready = state.withLock { state in
                        if state.detached || state.end != nil || state.chunks.count >= 2 { return true }
                        state.reader = continuation
                        return false
                    }
                    if ready { continuation.resume() }
                }
            }
        }
    }
}

struct ReaderTooSlow: Error, CustomStringConvertible {
    var description: String { "the client read too slowly while the blob was being cached" }
}
