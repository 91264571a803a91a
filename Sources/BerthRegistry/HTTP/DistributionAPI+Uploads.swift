import BerthStorage
import BerthAuth
import HTTPTypes
import Hummingbird
import NIOCore
import OCI

extension DistributionAPI {
    /// `POST /v2/<name>/blobs/uploads/`: a mount (`?mount=&from=`), a
    /// monolithic push (`?digest=`), or a new session (202).
    func startUpload(_ request: Request, repository: RepositoryName, caller: Caller?) async throws -> Response {
        let query = request.uri.queryParameters
        if let mount = query["mount"].map(String.init), let from = query["from"].map(String.init) {
            // A bad or unreadable source is not an error: the spec says fall
            // back to a normal upload.
            if let digest = Digest.parse(mount), let source = try? RepositoryName(parsing: from),
               try await mayPull(source, caller: caller),
               try await content.mountBlob(repository, digest, from: source)
            {
                return Self.blobCreated(repository, digest)
            }
        } else if let digestParameter = query["digest"].map(String.init) {
            let digest = try Digest(parsing: digestParameter)
            _ = try await uploads.uploadMonolithic(repository, digest: digest, length: try declaredLength(request), body: request.body)
            return Self.blobCreated(repository, digest)
        }
        let id = try await uploads.startUpload(repository)
        return Self.uploadAccepted(repository, id: id, size: 0)
    }

    /// A mount needs pull on its source; without it, a normal upload.
    private func mayPull(_ source: RepositoryName, caller: Caller?) async throws -> Bool {
        guard let authorizer, let caller else { return true }
        return try await authorizer.decisions.mayPull(source, caller: caller)
    }

    /// `GET /v2/<name>/blobs/uploads/<id>`: 204 with the bytes received.
    func uploadStatus(repository: RepositoryName, id: String) async throws -> Response {
        let size = try await uploads.uploadOffset(repository, id)
        var response = Self.uploadAccepted(repository, id: id, size: size)
        response.status = .noContent
        return response
    }

    /// `PATCH /v2/<name>/blobs/uploads/<id>`: appends a chunk, which must
    /// start where the upload ends when `Content-Range` says where it starts.
    func patchUpload(_ request: Request, repository: RepositoryName, id: String) async throws -> Response {
        let offset = try chunkOffset(request, id: id)
        let size = try await uploads.appendUpload(repository, id, offset: offset, length: try declaredLength(request), body: request.body)
        return Self.uploadAccepted(repository, id: id, size: size)
    }

    /// `PUT /v2/<name>/blobs/uploads/<id>?digest=`: the last chunk (if any)
    /// and the digest the whole must match.
    func completeUpload(_ request: Request, repository: RepositoryName, id: String) async throws -> Response {
        guard let digestParameter = request.uri.queryParameters["digest"] else {
            throw RegistryError(.digestInvalid, "the digest parameter is required to complete an upload")
        }
        let digest = try Digest(parsing: String(digestParameter))
        let offset = try chunkOffset(request, id: id)
        _ = try await uploads.completeUpload(
            repository, id, digest: digest, offset: offset, length: try declaredLength(request), body: request.body)
        return Self.blobCreated(repository, digest)
    }

    /// `DELETE /v2/<name>/blobs/uploads/<id>`: 204.
    func cancelUpload(repository: RepositoryName, id: String) async throws -> Response {
        try await uploads.cancelUpload(repository, id)
        return Self.empty(.noContent)
    }

    /// Where a chunk says it starts. A malformed `Content-Range`, or one
    /// whose length disagrees with `Content-Length`, is refused with 416.
    private func chunkOffset(_ request: Request, id: String) throws -> Int64? {
        guard let header = request.headers[.contentRange] else { return nil }
        guard let range = try RangeHeader.chunkRange(header, limit: uploads.limits.maxBlobSize) else {
            throw UploadOutOfOrder(id: id, size: nil)
        }
        if let length = try declaredLength(request), length != range.count {
            throw RegistryError(.sizeInvalid, "Content-Range covers \(range.count) bytes, Content-Length is \(length)", status: 416)
        }
        return range.start
    }

    /// `Content-Length`, checked against the largest blob accepted.
    func declaredLength(_ request: Request) throws -> Int64? {
        try HeaderNumbers.contentLength(request, limit: uploads.limits.maxBlobSize)
    }

    static func blobCreated(_ repository: RepositoryName, _ digest: Digest) -> Response {
        empty(.created, [.location: "/v2/\(repository)/blobs/\(digest)", .dockerContentDigest: digest.description])
    }

    static func uploadAccepted(_ repository: RepositoryName, id: String, size: Int64) -> Response {
        empty(.accepted, [
            .location: "/v2/\(repository)/blobs/uploads/\(id)",
            .range: "0-\(max(size - 1, 0))",
            .dockerUploadUUID: id,
            .blobUploadSessionID: id,
        ])
    }
}
