import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Where and how to reach a bucket.
public struct S3Configuration: Sendable, Equatable {
    /// `https://s3.eu-west-1.amazonaws.com`, `http://127.0.0.1:9000`, …
    public var endpoint: String
    public var bucket: String
    public var region: String
    /// `https://endpoint/bucket/key` (MinIO, Ceph, most local servers) rather
    /// than `https://bucket.endpoint/key` (AWS's default).
    public var pathStyle: Bool
    public var credentials: AWSCredentials
    /// Keys are stored under this prefix (may be empty).
    public var prefix: String
    /// Size of upload pieces and multipart parts (at least 5 MiB, S3's minimum part).
    public var partSize: Int
    /// Answer blob GETs with a 307 to a presigned URL instead of streaming.
    public var redirectDownloads: Bool

    public init(
        endpoint: String, bucket: String, region: String = "us-east-1", pathStyle: Bool = true, credentials: AWSCredentials,
        prefix: String = "", partSize: Int = 16 << 20, redirectDownloads: Bool = false
    ) {
        (self.endpoint, self.bucket, self.region, self.pathStyle, self.credentials) = (endpoint, bucket, region, pathStyle, credentials)
        (self.prefix, self.partSize, self.redirectDownloads) = (prefix, partSize, redirectDownloads)
    }
}

/// A failed S3 request: its status and S3's error code.
public struct S3Error: Error, CustomStringConvertible, Sendable {
    public let status: Int
    public let code: String
    public let message: String
    public var description: String { "S3 answered \(status) \(code): \(message)" }

    /// Failures object stores expect clients to retry: server errors, also
    /// when reported inside a 200 answer (a copy or a completion that failed
    /// after S3 had begun answering).
    var isTransient: Bool {
        [500, 502, 503, 504].contains(status)
            || ((200..<300).contains(status) && ["InternalError", "ServiceUnavailable", "SlowDown"].contains(code))
    }
}

/// The few S3 REST calls a blob store needs, signed with SigV4, over
/// AsyncHTTPClient. Bodies stream both ways.
struct S3Client: Sendable {
    let configuration: S3Configuration
    let signer: SigV4Signer
    let http: HTTPClient
    let copyLimits: CopyLimits
    static let timeout: TimeAmount = .seconds(300)

    init(_ configuration: S3Configuration, http: HTTPClient = .shared, copyLimits: CopyLimits = .s3) {
        self.configuration = configuration
        signer = SigV4Signer(credentials: configuration.credentials, region: configuration.region)
        self.http = http
        self.copyLimits = copyLimits
    }

    /// Host header, path (encoded by the signer), and the base URL of a key.
    private func location(_ key: String) -> (host: String, path: String, base: String) {
        let endpoint = configuration.endpoint.hasSuffix("/") ? String(configuration.endpoint.dropLast()) : configuration.endpoint
        let scheme = endpoint.hasPrefix("https://") ? "https://" : "http://"
        let host = String(endpoint.dropFirst(scheme.count))
        let object = key.isEmpty ? "/" : "/" + key
        if configuration.pathStyle {
            return (host, "/\(configuration.bucket)\(key.isEmpty ? "" : object)", scheme + host)
        }
        return ("\(configuration.bucket).\(host)", object, scheme + "\(configuration.bucket).\(host)")
    }

    /// Attempts per request: object stores answer 500 and 503 now and then,
    /// and expect clients to retry (every body here is in memory, so it can be sent again).
    static let attempts = 5

    /// Sends one signed request, retrying server errors and lost connections
    /// with exponential backoff; answers with a 2xx response (body unread)
    /// or throws `S3Error`.
    func send(
        _ method: HTTPMethod, key: String, query: [(String, String)] = [], headers: [(String, String)] = [],
        body: ByteBuffer? = nil, allow: Set<Int> = []
    ) async throws -> HTTPClientResponse {
        try await retrying { try await sendOnce(method, key: key, query: query, headers: headers, body: body, allow: allow) }
    }

    /// Sends a request whose success is a result document named one of
    /// `expected`, and answers with it. Copies and multipart completions
    /// answer 200 before their work is done and report a failure after that
    /// in the body, so the body is checked (`result(_:of:)`) before the
    /// request counts as done, and an embedded server error is retried as a
    /// 500 would be.
    func send(
        expecting expected: Set<String>, _ method: HTTPMethod, key: String, query: [(String, String)] = [],
        headers: [(String, String)] = [], body: ByteBuffer? = nil
    ) async throws -> XMLElement {
        try await retrying {
            try await result(expected, of: try await sendOnce(method, key: key, query: query, headers: headers, body: body, allow: []))
        }
    }

    /// Runs `operation` up to `attempts` times, backing off exponentially
    /// while it fails in a way worth retrying.
    private func retrying<T>(_ operation: () async throws -> T) async throws -> T {
        for attempt in 1...Self.attempts {
            do {
                return try await operation()
            } catch let error as S3Error where error.isTransient && attempt < Self.attempts {
                try await Task.sleep(for: .milliseconds(50 << attempt))
            } catch let error as HTTPClientError where attempt < Self.attempts && error != .deadlineExceeded {
                try await Task.sleep(for: .milliseconds(50 << attempt))
            }
        }
        fatalError("unreachable: the last attempt returns or throws")
    }

    private func sendOnce(
        _ method: HTTPMethod, key: String, query: [(String, String)], headers: [(String, String)], body: ByteBuffer?,
        allow: Set<Int>
    ) async throws -> HTTPClientResponse {
        let (host, path, base) = location(key)
        let signed = signer.sign(
            method: method.rawValue, path: path, query: query, headers: [("host", host)] + headers,
            payloadHash: body == nil ? SigV4Signer.emptyPayloadHash : SigV4Signer.unsignedPayload, date: Date())
        let queryString = SigV4Signer.canonicalQuery(query)
        var request = HTTPClientRequest(url: base + SigV4Signer.encodePath(path) + (queryString.isEmpty ? "" : "?" + queryString))
        request.method = method
        for (name, value) in headers + signed { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(body) }
        let response = try await http.execute(request, timeout: Self.timeout)
        let status = Int(response.status.code)
        guard (200..<300).contains(status) || allow.contains(status) else {
            let text = (try? await response.body.collect(upTo: 64 << 10)).map { Data($0.readableBytesView) } ?? Data()
            let xml = XMLElement.parse(text)
            throw S3Error(status: status, code: xml?["Code"] ?? "\(status)", message: xml?["Message"] ?? "")
        }
        return response
    }

    /// The body of a 2xx answer as XML. An `<Error>` document, which no
    /// success is, throws it as `S3Error` (with the answer's 2xx status).
    func xml(_ response: HTTPClientResponse) async throws -> XMLElement {
        let status = Int(response.status.code)
        let body = try await response.body.collect(upTo: 16 << 20)
        guard let tree = XMLElement.parse(Data(body.readableBytesView)) else {
            throw S3Error(status: status, code: "MalformedXML", message: "unreadable answer")
        }
        if tree.name == "Error" { throw S3Error(status: status, code: tree["Code"] ?? "InternalError", message: tree["Message"] ?? "") }
        return tree
    }

    /// The body of a 2xx answer confirming a write: a document named one of
    /// `expected` (`CopyObjectResult`, …) carrying the written object's or
    /// part's ETag. The one check every answer that may carry an error in a
    /// 200 goes through; anything else (an `<Error>`, an empty or foreign
    /// body) throws `S3Error`.
    func result(_ expected: Set<String>, of response: HTTPClientResponse) async throws -> XMLElement {
        let status = Int(response.status.code)
        let tree = try await xml(response)
        guard expected.contains(tree.name) else {
            throw S3Error(status: status, code: "UnexpectedAnswer", message: "expected <\(expected.sorted()[0])>, got <\(tree.name)>")
        }
        guard tree["ETag"]?.isEmpty == false else {
            throw S3Error(status: status, code: "NoETag", message: "<\(tree.name)> without an ETag")
        }
        return tree
    }

    func put(_ key: String, _ bytes: ByteBuffer) async throws {
        _ = try await send(.PUT, key: key, headers: [("Content-Length", "\(bytes.readableBytes)")], body: bytes)
    }

    /// The object's size, or nil when there is none.
    func size(_ key: String) async throws -> Int64? {
        let response = try await send(.HEAD, key: key, allow: [404])
        guard response.status != .notFound else { return nil }
        return response.headers.first(name: "Content-Length").flatMap { Int64($0) }
    }

    /// Streams an object.
    func get(_ key: String) async throws -> HTTPClientResponse {
        try await send(.GET, key: key)
    }

    func delete(_ key: String) async throws {
        _ = try await send(.DELETE, key: key, allow: [404])
    }

    struct Listed: Sendable {
        let key: String
        let size: Int64
        let modified: Date
    }

    /// Every object under `prefix`, following continuation tokens.
    func list(prefix: String) async throws -> [Listed] {
        var found: [Listed] = []
        var token: String?
        let dates = ISO8601DateFormatter()
        dates.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plainDates = ISO8601DateFormatter()
        repeat {
            var query = [("list-type", "2"), ("prefix", prefix)]
            if let token { query.append(("continuation-token", token)) }
            let tree = try await xml(try await send(.GET, key: "", query: query))
            for item in tree.all("Contents") {
                guard let key = item["Key"], let size = item["Size"].flatMap({ Int64($0) }) else { continue }
                let stamp = item["LastModified"] ?? ""
                found.append(Listed(key: key, size: size, modified: dates.date(from: stamp) ?? plainDates.date(from: stamp) ?? .distantPast))
            }
            token = tree["IsTruncated"] == "true" ? tree["NextContinuationToken"] : nil
        } while token != nil
        return found
    }

    // MARK: Multipart

    func createMultipart(_ key: String) async throws -> String {
        let tree = try await xml(try await send(.POST, key: key, query: [("uploads", "")]))
        guard let id = tree["UploadId"] else { throw S3Error(status: 200, code: "NoUploadId", message: "no UploadId in the answer") }
        return id
    }

    /// Uploads one part; returns its ETag.
    func uploadPart(_ key: String, uploadID: String, number: Int, bytes: ByteBuffer) async throws -> String {
        let response = try await send(
            .PUT, key: key, query: [("partNumber", "\(number)"), ("uploadId", uploadID)],
            headers: [("Content-Length", "\(bytes.readableBytes)")], body: bytes)
        return response.headers.first(name: "ETag") ?? ""
    }

    func completeMultipart(_ key: String, uploadID: String, etags: [String]) async throws {
        let parts = etags.enumerated().map { "<Part><PartNumber>\($0.offset + 1)</PartNumber><ETag>\($0.element)</ETag></Part>" }
        let body = "<CompleteMultipartUpload>\(parts.joined())</CompleteMultipartUpload>"
        // (moto's server names the result CompleteMultipartUploadResponse.)
        _ = try await send(
            expecting: ["CompleteMultipartUploadResult", "CompleteMultipartUploadResponse"], .POST, key: key,
            query: [("uploadId", uploadID)], headers: [("Content-Length", "\(body.utf8.count)")], body: ByteBuffer(string: body))
    }

    func abortMultipart(_ key: String, uploadID: String) async throws {
        _ = try await send(.DELETE, key: key, query: [("uploadId", uploadID)], allow: [404])
    }

    /// Multipart uploads in progress under `prefix`, with when they began.
    func multipartUploads(prefix: String) async throws -> [(key: String, id: String, initiated: Date)] {
        let tree = try await xml(try await send(.GET, key: "", query: [("uploads", ""), ("prefix", prefix)]))
        let dates = ISO8601DateFormatter()
        dates.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return tree.all("Upload").compactMap { upload in
            guard let key = upload["Key"], let id = upload["UploadId"] else { return nil }
            return (key, id, upload["Initiated"].flatMap { dates.date(from: $0) ?? ISO8601DateFormatter().date(from: $0) } ?? .distantPast)
        }
    }

    /// A URL anyone may GET the object with, for `expires` seconds.
    func presignedURL(_ key: String, expires: Int) -> String {
        let (host, path, base) = location(key)
        return base + SigV4Signer.encodePath(path) + "?" + signer.presignedQuery(method: "GET", host: host, path: path, expires: expires, date: Date())
    }
}
