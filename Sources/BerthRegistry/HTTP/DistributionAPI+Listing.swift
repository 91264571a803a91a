import Foundation
import BerthAuth
import HTTPTypes
import Hummingbird
import NIOCore
import OCI

extension DistributionAPI {
    private struct ReferrersIndex: Encodable {
        let schemaVersion = 2
        let mediaType = MediaType.ociIndex
        let manifests: [Descriptor]
    }

    /// `GET /v2/<name>/tags/list?n=&last=`, lexically sorted, with a `Link`
    /// to the next page when there is one.
    func tags(_ request: Request, repository: RepositoryName) async throws -> Response {
        let (limit, last) = try Self.pagination(request)
        let page = try await content.tags(repository, after: last, limit: limit)
        return Self.listing(page, key: "tags", name: repository.value, path: "/v2/\(repository)/tags/list")
    }

    /// `GET /v2/_catalog?n=&last=`, paginated like tags.
    /// With authentication on, only repositories the caller may pull are
    /// listed (a page may then hold fewer than `n`; `Link` still follows on).
    func catalog(_ request: Request, caller: Caller?) async throws -> Response {
        let (limit, last) = try Self.pagination(request)
        var page = try await content.catalog(after: last, limit: limit)
        if let authorizer, let caller {
            // Whether one may pull is decided per project (visibility, role,
            // robot permissions), so a page of 10,000 names costs a lookup
            // per project in it, not per name.
            var byProject: [String: Bool] = [:]
            var readable: [String] = []
            for name in page.items {
                guard let repository = try? RepositoryName(parsing: name) else { continue }
                if authorizer.decisions.tokenGrantsPull(repository, caller: caller) {
                    readable.append(name)
                    continue
                }
                let project = repository.project
                let allowed: Bool
                if let known = byProject[project] {
                    allowed = known
                } else {
                    allowed = try await authorizer.decisions.mayPull(repository, caller: caller)
                    byProject[project] = allowed
                }
                if allowed { readable.append(name) }
            }
            page = page.showing(readable)
        }
        return Self.listing(page, key: "repositories", name: nil, path: "/v2/_catalog")
    }

    /// A page as `{"name":…,"<key>":[…]}` with a `Link` to the next page at `path`.
    private static func listing(_ page: Page, key: String, name: String?, path: String) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if page.hasMore, let last = page.last {
            headers[.link] = "<\(path)?last=\(last)&n=\(page.items.count)>; rel=\"next\""  // n as asked
        }
        var body = ByteBuffer()
        body.writeString("{")
        if let name {
            body.writeString("\"name\":")
            writeJSONString(name, to: &body)
            body.writeString(",")
        }
        body.writeString("\"\(key)\":")
        writeJSONArray(page.shown, to: &body)
        body.writeString("}")
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }

    /// `GET /v2/<name>/referrers/<digest>?artifactType=&n=&last=`: an image
    /// index of the manifests whose subject is `digest` (empty when there are
    /// none), a page at a time with a `Link` to the next, as the spec allows.
    func referrers(_ request: Request, repository: RepositoryName, digest: Digest) async throws -> Response {
        let query = request.uri.queryParameters
        let artifactType = query["artifactType"].map(String.init)
        let (limit, last) = try Self.pagination(request)
        let page = try await content.referrers(repository, digest, artifactType: artifactType, after: last, limit: limit)
        var headers: HTTPFields = [.contentType: MediaType.ociIndex]
        if artifactType != nil {
            headers[.ociFiltersApplied] = "artifactType"
        }
        if page.hasMore, let next = page.descriptors.last?.digest {
            var link = "/v2/\(repository)/referrers/\(digest)?n=\(page.descriptors.count)&last=\(next)"
            if let artifactType, let encoded = artifactType.addingPercentEncoding(withAllowedCharacters: .alphanumerics) {
                link += "&artifactType=\(encoded)"
            }
            headers[.link] = "<\(link)>; rel=\"next\""
        }
        return Self.json(try Self.encode(ReferrersIndex(manifests: page.descriptors)), headers: headers)
    }

    private static func pagination(_ request: Request) throws -> (limit: Int?, last: String?) {
        let query = request.uri.queryParameters
        var limit: Int?
        if let n = query["n"] {
            guard let parsed = Int(n), parsed >= 0 else {
                throw RegistryError(.paginationNumberInvalid, "n must be a non-negative integer", detail: ["n": String(n.prefix(32))])
            }
            limit = parsed
        }
        return (limit, query["last"].map(String.init))
    }

    /// Listings of 10,000 tags are common: written directly, they cost a
    /// fraction of what `JSONEncoder` takes for the same array.
    static func writeJSONArray(_ strings: [String], to buffer: inout ByteBuffer) {
        buffer.writeString("[")
        for (index, string) in strings.enumerated() {
            if index > 0 { buffer.writeString(",") }
            writeJSONString(string, to: &buffer)
        }
        buffer.writeString("]")
    }

    /// Names and tags never need escaping (their grammars forbid it), but
    /// anything else is escaped as JSON requires.
    static func writeJSONString(_ string: String, to buffer: inout ByteBuffer) {
        buffer.writeString("\"")
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): buffer.writeString("\\\"")
            case UInt8(ascii: "\\"): buffer.writeString("\\\\")
            case 0..<0x20: buffer.writeString(String(format: "\\u%04x", byte))
            default: buffer.writeInteger(byte)
            }
        }
        buffer.writeString("\"")
    }

    private static func encode(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }
}
