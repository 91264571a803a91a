import BerthRegistry
import HTTPTypes
import NIOCore
import NIOHTTPTypes
import Synchronization

/// Open connections per client address, shared by every connection of one
/// server: past `limit` a new connection is closed at once. Connections
/// from trusted proxies are not counted (all their clients share them).
final class ConnectionCounter: Sendable {
    let limit: Int
    let exempt: TrustedProxies
    private let open = Mutex<[IPAddress: Int]>([:])

    init(limit: Int, exempt: TrustedProxies) {
        self.limit = limit
        self.exempt = exempt
    }

    /// Counts a new connection from `address`; false (and not counted) when it is one too many.
    func admit(_ address: IPAddress) -> Bool {
        open.withLock { open in
            let count = open[address, default: 0]
            guard count < limit else { return false }
            open[address] = count + 1
            return true
        }
    }

    func release(_ address: IPAddress) {
        open.withLock { open in
            let count = open[address, default: 0] - 1
            open[address] = count > 0 ? count : nil
        }
    }
}

/// Admits or closes each new connection by `ConnectionCounter`, and
/// releases its place when it closes.
final class ConnectionLimitHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let counter: ConnectionCounter
    /// The address counted, once admitted.
    private var counted: IPAddress?
    private var checked = false

    init(counter: ConnectionCounter) {
        self.counter = counter
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { check(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        check(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        release()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        release()
    }

    private func check(_ context: ChannelHandlerContext) {
        guard !checked else { return }
        checked = true
        guard let text = context.channel.remoteAddress?.ipAddress, let address = IPAddress(text),
              !counter.exempt.contains(address)
        else { return }
        if counter.admit(address) {
            counted = address
        } else {
            context.close(promise: nil)
        }
    }

    private func release() {
        if let counted { counter.release(counted) }
        counted = nil
    }
}

/// Closes connections that keep the server waiting:
///
/// - `headTimeout`: a request's head (request line and headers) must arrive
///   within it, counted from the connection's opening, and on a kept-alive
///   connection from the first byte of the next request. Stops clients that
///   open connections and send nothing, or a head a byte at a time (slowloris).
/// - `idleTimeout`: while it is the client's turn (between requests, or while
///   a request's head or body is being read) and the server is ready for its
///   bytes, none may take longer than this. Time the server itself is not
///   reading (its handler is busy with what it already has: backpressure)
///   or is writing a response does not count, so a slow disk or object store
///   never gets an upload cut.
///
/// Sits after the HTTP decoder, which tells when a head is complete; a small
/// handler it puts at the front of the pipeline tells it when the server
/// asks the socket for bytes and when bytes arrive.
final class ConnectionTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let headTimeout: TimeAmount
    private let idleTimeout: TimeAmount
    private var headTimer: Scheduled<Void>?
    private var idleTimer: Scheduled<Void>?
    private var context: ChannelHandlerContext?
    /// A head was read and its body's end not yet.
    private var readingRequest = false
    /// Heads read whose response has not ended.
    private var responsesPending = 0
    /// The server asked the socket for bytes and none came since.
    private var awaitingBytes = false
    /// When the client's silence started.
    private var silentSince = NIODeadline.now()

    init(headTimeout: TimeAmount, idleTimeout: TimeAmount) {
        self.headTimeout = headTimeout
        self.idleTimeout = idleTimeout
    }

    /// Whether the server waits for the client: its next request, or the rest of this one.
    private var clientsTurn: Bool { readingRequest || responsesPending == 0 }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let watcher = SocketReadWatcher(
            readRequested: { [weak self] in self?.readRequested() }, bytesArrived: { [weak self] in self?.bytesArrived() })
        try? context.pipeline.syncOperations.addHandler(watcher, position: .first)
        if context.channel.isActive { start() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimers()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        start()
        context.fireChannelActive()
    }

    /// A new connection: the server waits for its first request.
    private func start() {
        awaitingBytes = true
        silentSince = .now()
        armHeadTimer()
        armIdleTimer()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimers()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            headTimer?.cancel()
            headTimer = nil
            readingRequest = true
            responsesPending += 1
        case .body: break
        case .end: readingRequest = false
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            responsesPending = max(0, responsesPending - 1)
            // The client's turn again: its silence counts from now.
            if clientsTurn {
                silentSince = .now()
                armIdleTimer()
            }
        }
        context.write(data, promise: promise)
    }

    private func readRequested() {
        if !awaitingBytes {
            awaitingBytes = true
            silentSince = .now()
        }
        armIdleTimer()
    }

    private func bytesArrived() {
        awaitingBytes = false
        silentSince = .now()
        // Bytes that start a new request: its head is timed from now.
        if !readingRequest, responsesPending == 0 { armHeadTimer() }
    }

    private func armHeadTimer() {
        guard headTimer == nil, let context, context.channel.isActive else { return }
        headTimer = context.eventLoop.assumeIsolated().scheduleTask(in: headTimeout) { [weak self] in
            self?.headTimer = nil
            context.close(promise: nil)
        }
    }

    private func armIdleTimer() {
        guard idleTimer == nil, let context, context.channel.isActive else { return }
        idleTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: silentSince + idleTimeout) { [weak self] in
            guard let self else { return }
            self.idleTimer = nil
            // Not waiting for the client any more: armed again when it is.
            guard self.awaitingBytes, self.clientsTurn else { return }
            if NIODeadline.now() >= self.silentSince + self.idleTimeout {
                context.close(promise: nil)
            } else {
                self.armIdleTimer()
            }
        }
    }

    private func cancelTimers() {
        headTimer?.cancel()
        headTimer = nil
        idleTimer?.cancel()
        idleTimer = nil
    }
}

/// At the front of the pipeline: reports each read the server asks of the
/// socket (none while a handler further in holds reads back) and each
/// arrival of bytes.
private final class SocketReadWatcher: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    private let readRequested: () -> Void
    private let bytesArrived: () -> Void

    init(readRequested: @escaping () -> Void, bytesArrived: @escaping () -> Void) {
        self.readRequested = readRequested
        self.bytesArrived = bytesArrived
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        bytesArrived()
        context.fireChannelRead(data)
    }

    func read(context: ChannelHandlerContext) {
        readRequested()
        context.read()
    }
}
