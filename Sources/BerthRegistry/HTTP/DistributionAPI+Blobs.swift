import BerthMetadata
import BerthStorage
import HTTPTypes
import Hummingbird
import NIOCore
import OCI

extension DistributionAPI {
    /// `GET`/`HEAD /v2/<name>/blobs/<digest>`, with single `Range` requests.
    func getBlob(_ request: Request, repository: RepositoryName, digest: Digest) async throws -> Response {
        let blob = try await content.readableBlob(repository, digest)
        let size = blob.size
        var headers: HTTPFields = [
            .contentType: "application/octet-stream",
            .dockerContentDigest: digest.description,
            .acceptRanges: "bytes",
            .eTag: "\"\(digest)\"",
            // Content at a digest never changes.
            .cacheControl: "max-age=31536000",
        ]
        let range = try RangeHeader.blobRange(request.headers[.range], size: size)
        let length = range?.count ?? size
        headers[.contentLength] = "\(length)"
        if let range {
            headers[.contentRange] = "bytes \(range.start)-\(range.end - 1)/\(size)"
        }
        let status: HTTPResponse.Status = range == nil ? .ok : .partialContent
        guard request.method == .get else { return Response(status: status, headers: headers) }
        if range == nil, let url = content.downloadURL(blob) {
            return Self.empty(.temporaryRedirect, [.location: url, .dockerContentDigest: digest.description])
        }

        let chunks = try await content.read(blob, range: range)
        return Response(
            status: status, headers: headers,
            body: ResponseBody(contentLength: Int(length)) { writer in
                for try await chunk in chunks {
                    try await writer.write(chunk)
                }
                try await writer.finish(nil)
            })
    }

    /// `DELETE /v2/<name>/blobs/<digest>`: 202.
    func deleteBlob(repository: RepositoryName, digest: Digest, actor: Actor) async throws -> Response {
        try await content.deleteBlob(repository, digest, by: actor)
        return Self.empty(.accepted)
    }
}
