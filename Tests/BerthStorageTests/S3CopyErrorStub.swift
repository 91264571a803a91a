import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A tiny in-memory S3 on 127.0.0.1 whose server-side copies always answer
/// `200 OK` with `copyAnswer` as the body: by default an `<Error>`, the way
/// S3 reports a copy that failed after it had begun answering.
///
/// It exists because no real S3 server (moto included) can be made to
/// produce this answer on demand; everything else the tests do runs
/// against a real one. It serves just what a store needs around a copy,
/// path-style, unsigned checks: PUT, GET, HEAD and DELETE of objects, and
/// ListObjectsV2 without paging. Multipart uploads are refused.
final class S3CopyErrorStub: Sendable {
    struct Request: Sendable {
        let method: String
        let key: String
        let copySource: String?
    }

    /// What S3 sends when a copy fails midway.
    static let internalError = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>InternalError</Code>"
        + "<Message>We encountered an internal error. Please try again.</Message></Error>"

    let bucket: String
    let copyAnswer: String
    private let state = Mutex<(objects: [String: [UInt8]], requests: [Request])>(([:], []))
    private let channel: any Channel

    /// `http://127.0.0.1:<port>`.
    var endpoint: String { "http://127.0.0.1:\(channel.localAddress!.port!)" }
    var requests: [Request] { state.withLock { $0.requests } }

    subscript(key: String) -> [UInt8]? {
        get { state.withLock { $0.objects[key] } }
        set { state.withLock { $0.objects[key] = newValue } }
    }

    static func start(bucket: String = "stub", copyAnswer: String = internalError) async throws -> S3CopyErrorStub {
        let stub = Box()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Connection { request in stub.value.withLock { $0 }!.answer(request) })
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let started = S3CopyErrorStub(bucket: bucket, copyAnswer: copyAnswer, channel: channel)
        stub.value.withLock { $0 = started }
        return started
    }

    private init(bucket: String, copyAnswer: String, channel: any Channel) {
        (self.bucket, self.copyAnswer) = (bucket, copyAnswer)
        self.channel = channel
    }

    func stop() async throws { try await channel.close() }

    /// Late binding of the stub to the connections the bootstrap makes.
    private final class Box: Sendable {
        let value = Mutex<S3CopyErrorStub?>(nil)
    }

    // MARK: Answers

    struct Parsed {
        let method: String
        let target: String
        let headers: [String: String]
        let body: [UInt8]
    }

    private func answer(_ request: Parsed) -> (status: Int, headers: [(String, String)], body: [UInt8]) {
        let (path, query) = Self.split(request.target)
        let bucketPath = "/\(bucket)"
        let key = path.hasPrefix(bucketPath + "/") ? String(path.dropFirst(bucketPath.count + 1)) : ""
        let copySource = request.headers["x-amz-copy-source"]
        state.withLock { $0.requests.append(Request(method: request.method, key: key, copySource: copySource)) }
        if copySource != nil {
            return (200, [("Content-Type", "application/xml")], Array(copyAnswer.utf8))
        }
        switch (request.method, key.isEmpty) {
        case ("PUT", true):
            return (200, [], [])
        case ("GET", true) where query["list-type"] == "2":
            return (200, [("Content-Type", "application/xml")], Array(list(prefix: query["prefix"] ?? "").utf8))
        case ("PUT", false):
            state.withLock { $0.objects[key] = request.body }
            return (200, [("ETag", "\"stub\"")], [])
        case ("GET", false), ("HEAD", false):
            guard let bytes = self[key] else {
                return (404, [], request.method == "HEAD" ? [] : Array("<Error><Code>NoSuchKey</Code></Error>".utf8))
            }
            return (200, [("Content-Length", "\(bytes.count)")], request.method == "HEAD" ? [] : bytes)
        case ("DELETE", false):
            state.withLock { _ = $0.objects.removeValue(forKey: key) }
            return (204, [], [])
        default:
            return (501, [], Array("<Error><Code>NotImplemented</Code></Error>".utf8))
        }
    }

    private func list(prefix: String) -> String {
        let objects = state.withLock { $0.objects }.filter { $0.key.hasPrefix(prefix) }.sorted { $0.key < $1.key }
        let contents = objects.map {
            "<Contents><Key>\($0.key)</Key><Size>\($0.value.count)</Size><LastModified>2025-01-01T00:00:00.000Z</LastModified></Contents>"
        }
        return "<ListBucketResult><IsTruncated>false</IsTruncated>\(contents.joined())</ListBucketResult>"
    }

    /// The decoded path and query of a request target.
    private static func split(_ target: String) -> (path: String, query: [String: String]) {
        let halves = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = String(halves[0]).removingPercentEncoding ?? String(halves[0])
        var query: [String: String] = [:]
        for pair in halves.count > 1 ? halves[1].split(separator: "&") : [] {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0]).removingPercentEncoding ?? String(parts[0])
            query[name] = parts.count > 1 ? String(parts[1]).removingPercentEncoding ?? String(parts[1]) : ""
        }
        return (path, query)
    }
}

/// One client connection: requests parsed from the bytes as they come
/// (`Content-Length` bodies only, which is all AsyncHTTPClient sends
/// here), answered in order on a kept-alive connection.
private final class Connection: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let answer: (S3CopyErrorStub.Parsed) -> (status: Int, headers: [(String, String)], body: [UInt8])
    private var pending: [UInt8] = []

    init(answer: @escaping (S3CopyErrorStub.Parsed) -> (status: Int, headers: [(String, String)], body: [UInt8])) {
        self.answer = answer
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        pending += unwrapInboundIn(data).readableBytesView
        while let request = nextRequest() {
            let (status, headers, body) = answer(request)
            var head = "HTTP/1.1 \(status) \(status == 200 ? "OK" : "Stub")\r\n"
            if status != 204, !headers.contains(where: { $0.0 == "Content-Length" }) { head += "Content-Length: \(body.count)\r\n" }
            for (name, value) in headers { head += "\(name): \(value)\r\n" }
            var buffer = context.channel.allocator.buffer(capacity: head.utf8.count + 2 + body.count)
            buffer.writeString(head + "\r\n")
            buffer.writeBytes(body)
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        }
    }

    /// Takes one whole request off `pending`, or nil until one has arrived.
    private func nextRequest() -> S3CopyErrorStub.Parsed? {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let end = pending.indices.dropLast(3).first(where: { pending[$0..<$0 + 4].elementsEqual(separator) }) else { return nil }
        let lines = String(decoding: pending[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let start = lines[0].split(separator: " ")
        guard start.count >= 2 else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        let bodyStart = end + 4
        guard pending.count >= bodyStart + length else { return nil }
        let body = Array(pending[bodyStart..<bodyStart + length])
        pending.removeFirst(bodyStart + length)
        return S3CopyErrorStub.Parsed(method: String(start[0]), target: String(start[1]), headers: headers, body: body)
    }
}
