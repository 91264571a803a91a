import Crypto
import Foundation

/// Credentials for AWS Signature Version 4.
public struct AWSCredentials: Sendable, Equatable {
    public let accessKeyID: String
    public let secretAccessKey: String
    public let sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    /// From `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> AWSCredentials? {
        guard let id = environment["AWS_ACCESS_KEY_ID"], let secret = environment["AWS_SECRET_ACCESS_KEY"] else { return nil }
        return AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: environment["AWS_SESSION_TOKEN"])
    }
}

/// AWS Signature Version 4, as S3 uses it: the canonical request (path
/// encoded once, query sorted, headers lower-cased and trimmed), the string
/// to sign, the derived key, and either an `Authorization` header or a
/// presigned query.
public struct SigV4Signer: Sendable {
    public let credentials: AWSCredentials
    public let region: String
    public let service: String

    public init(credentials: AWSCredentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// The body's hash when it is not signed (S3 allows it over TLS or on trusted networks).
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    public static let emptyPayloadHash = hex(SHA256.hash(data: Data()))

    /// The headers to add to a request: `x-amz-date`, `x-amz-content-sha256`
    /// (for S3), `x-amz-security-token` when there is one, and `Authorization`.
    /// `headers` must include `host`.
    public func sign(
        method: String, path: String, query: [(String, String)], headers: [(String, String)], payloadHash: String, date: Date
    ) -> [(String, String)] {
        let (stamp, day) = Self.timestamps(date)
        var added: [(String, String)] = [("x-amz-date", stamp)]
        if service == "s3" { added.append(("x-amz-content-sha256", payloadHash)) }
        if let token = credentials.sessionToken { added.append(("x-amz-security-token", token)) }
        let all = headers + added
        let (canonicalHeaders, signedHeaders) = Self.canonicalHeaders(all)
        let request = [method, Self.encodePath(path), Self.canonicalQuery(query), canonicalHeaders, signedHeaders, payloadHash]
            .joined(separator: "\n")
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let signature = self.signature(stringToSign: Self.stringToSign(stamp: stamp, scope: scope, canonicalRequest: request), day: day)
        added.append((
            "Authorization",
            "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"))
        return added
    }

    /// The query of a presigned URL for `method` on `path` at `host`, valid
    /// for `expires` seconds from `date`.
    public func presignedQuery(method: String, host: String, path: String, expires: Int, date: Date) -> String {
        let (stamp, day) = Self.timestamps(date)
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        var query = [
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"), ("X-Amz-Credential", "\(credentials.accessKeyID)/\(scope)"),
            ("X-Amz-Date", stamp), ("X-Amz-Expires", String(expires)), ("X-Amz-SignedHeaders", "host"),
        ]
        if let token = credentials.sessionToken { query.append(("X-Amz-Security-Token", token)) }
        let request = [method, Self.encodePath(path), Self.canonicalQuery(query), "host:\(host)\n", "host", Self.unsignedPayload]
            .joined(separator: "\n")
        let signature = self.signature(stringToSign: Self.stringToSign(stamp: stamp, scope: scope, canonicalRequest: request), day: day)
        return Self.canonicalQuery(query + [("X-Amz-Signature", signature)])
    }

    /// The hex HMAC of `stringToSign` with the key derived for `day` (yyyyMMdd).
    public func signature(stringToSign: String, day: String) -> String {
        var key = SymmetricKey(data: Data("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return Self.hex(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key))
    }

    static func stringToSign(stamp: String, scope: String, canonicalRequest: String) -> String {
        "AWS4-HMAC-SHA256\n\(stamp)\n\(scope)\n\(hex(SHA256.hash(data: Data(canonicalRequest.utf8))))"
    }

    /// `name:value\n` lines sorted by name, and the names joined with `;`.
    static func canonicalHeaders(_ headers: [(String, String)]) -> (String, String) {
        var merged: [String: [String]] = [:]
        for (name, value) in headers {
            let trimmed = value.trimmingCharacters(in: .whitespaces).split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            merged[name.lowercased(), default: []].append(trimmed)
        }
        let names = merged.keys.sorted()
        return (names.map { "\($0):\(merged[$0]!.joined(separator: ","))\n" }.joined(), names.joined(separator: ";"))
    }

    /// Keys and values encoded, sorted by key then value.
    static func canonicalQuery(_ query: [(String, String)]) -> String {
        let encoded: [(key: String, value: String)] = query.map { (encode($0.0), encode($0.1)) }
        let sorted = encoded.sorted { a, b in a.key == b.key ? a.value < b.value : a.key < b.key }
        return sorted.map { "\($0.key)=\($0.value)" }.joined(separator: "&")
    }

    /// Every byte but the unreserved ones (A–Z a–z 0–9 - . _ ~) as %XX; `/` kept in paths.
    static func encode(_ text: String, keepSlash: Bool = false) -> String {
        var out = ""
        for byte in text.utf8 {
            if unreserved.contains(byte) || (keepSlash && byte == UInt8(ascii: "/")) {
                out.unicodeScalars.append(UnicodeScalar(byte))
            } else {
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    private static let unreserved = Set(Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8))

    static func encodePath(_ path: String) -> String { path.isEmpty ? "/" : encode(path, keepSlash: true) }

    static func timestamps(_ date: Date) -> (stamp: String, day: String) {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let stamp = formatter.string(from: date)
        return (stamp, String(stamp.prefix(8)))
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
