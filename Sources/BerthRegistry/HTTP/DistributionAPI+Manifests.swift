import BerthMetadata
import HTTPTypes
import Hummingbird
import NIOCore
import OCI
import BerthPolicies

extension DistributionAPI {
    /// `GET`/`HEAD /v2/<name>/manifests/<reference>`: the stored bytes under
    /// their stored media type.
    /// A `GET` counts against the caller's pull rate limits (as Docker Hub
    /// counts), whatever it finds; a `HEAD` is free.
    func getManifest(_ request: Request, repository: RepositoryName, reference: Reference, actor: Actor) async throws -> Response {
        let rate = request.method == .get ? try rateLimiter?.admit(actor, project: repository.project) : nil
        let manifest = try await content.manifest(repository, reference)
        try Self.negotiate(manifest, accept: request.headers[values: .accept])
        if request.method == .get {
            events.record(RegistryEvent(.artifactPulled, actor: actor, repository: repository, digest: manifest.digest, tag: reference.tag))
        }
        var headers: HTTPFields = [
            .contentType: manifest.mediaType,
            .dockerContentDigest: manifest.digest.description,
            .contentLength: "\(manifest.content.count)",
            .eTag: "\"\(manifest.digest)\"",
        ]
        if let rate {
            headers[.rateLimitLimit] = rate.limit.header
            headers[.rateLimitRemaining] = "\(rate.remaining);w=\(rate.limit.window)"
        }
        guard request.method == .get else { return Response(status: .ok, headers: headers) }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: manifest.content)))
    }

    /// `PUT /v2/<name>/manifests/<reference>`: 201 once validated and stored.
    func putManifest(_ request: Request, repository: RepositoryName, reference: Reference, actor: Actor) async throws -> Response {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > Manifest.maxSize {
            throw RegistryError(.sizeInvalid, "manifest exceeds \(Manifest.maxSize) bytes", status: 413)
        }
        var body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: Manifest.maxSize)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw RegistryError(.sizeInvalid, "manifest exceeds \(Manifest.maxSize) bytes", status: 413)
        }
        let bytes = body.readBytes(length: body.readableBytes) ?? []
        let push = try await content.putManifest(
            repository, reference, bytes: bytes, contentType: request.headers[.contentType], by: actor)
        let manifest = push.manifest
        var headers: HTTPFields = [
            .location: "/v2/\(repository)/manifests/\(manifest.digest)",
            .dockerContentDigest: manifest.digest.description,
        ]
        if let subject = manifest.subject {
            headers[.ociSubject] = subject.digest.description
        }
        return Self.empty(.created, headers)
    }

    /// `DELETE /v2/<name>/manifests/<reference>`: 202.
    func deleteManifest(repository: RepositoryName, reference: Reference, actor: Actor) async throws -> Response {
        try await content.deleteManifest(
            repository, reference, recording: [ContentService.deletionEvent(of: reference, in: repository, by: actor)])
        return Self.empty(.accepted)
    }

    /// Manifests are served as stored, but an index is withheld from a
    /// client whose `Accept` lists manifest types without its type, as
    /// Distribution does: such a client could not read it.
    static func negotiate(_ manifest: StoredManifest, accept: [String]) throws {
        guard MediaType.indexes.contains(manifest.mediaType) else { return }
        let accepted = accept.flatMap { $0.split(separator: ",") }.map { MediaType.essence(String($0)) }
        guard !accepted.isEmpty, !accepted.contains(where: { $0 == "*/*" || $0 == "application/*" }),
              !accepted.contains(manifest.mediaType)
        else { return }
        throw RegistryError(
            .manifestUnknown,
            "manifest is an index of type \(manifest.mediaType), which the Accept header does not list",
            detail: ["digest": manifest.digest.description])
    }
}
