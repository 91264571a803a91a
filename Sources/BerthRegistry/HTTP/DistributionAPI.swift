import BerthAuth
import BerthMetadata
import BerthPolicies
import HTTPTypes
import Hummingbird
import NIOCore
import OCI

/// The `/v2` Distribution API: parses the route, validates names, digests
/// and references, and answers with the spec's status codes and headers.
/// The rules themselves live in the content and upload services.
public struct DistributionAPI: Sendable {
    /// Blobs, manifests, tags and referrers: this node's stores, or a
    /// decorator in front of them.
    let content: any RegistryContent
    let uploads: UploadService
    /// nil when authentication is off (`auth: none`).
    let authorizer: Authorizer?
    /// Events that change nothing (pulls, refusals), for the outbox.
    let events: any EventSink
    /// Manifest pulls per window; nil when no limit is set.
    let rateLimiter: PullRateLimiter?

    public init(
        content: any RegistryContent, uploads: UploadService, authorizer: Authorizer?, events: any EventSink, rateLimiter: PullRateLimiter? = nil
    ) {
        self.content = content
        self.uploads = uploads
        self.authorizer = authorizer
        self.events = events
        self.rateLimiter = rateLimiter
    }

    /// Registers the API under `/v2`, for every method it answers.
    public func addRoutes(to router: Router<BerthRequestContext>) {
        for method: HTTPRequest.Method in [.get, .head, .put, .post, .patch, .delete] {
            for path: RouterPath in ["/v2", "/v2/**"] {
                router.on(path, method: method) { request, context in
                    try await handle(request, context: context)
                }
            }
        }
    }

    func handle(_ request: Request, context: BerthRequestContext) async throws -> Response {
        guard let route = V2Route(path: request.uri.path) else {
            throw RegistryError(.unsupported, "no such endpoint", status: 404)
        }
        let caller = try caller(request, context)
        guard let access = route.access(for: request.method) else {
            throw RegistryError(.unsupported, "method \(request.method) is not supported here")
        }
        try await authorize(access, caller: caller, request, context)
        let actor = Actor(caller?.identity ?? .anonymous, source: context.source)
        do {
            return try await dispatch(route, request, caller: caller, actor: actor)
        } catch let error as RegistryError where error.code == .denied {
            recordRefusal(error, route: route, method: request.method, actor: actor)
            throw error
        }
    }

    private func dispatch(_ route: V2Route, _ request: Request, caller: Caller?, actor: Actor) async throws -> Response {
        switch (route, request.method) {
        case (.base, .get), (.base, .head):
            return Response(status: .ok, headers: Self.apiVersion + [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{}")))
        case (.catalog, .get):
            return try await catalog(request, caller: caller)
        case (.tags(let name), .get):
            return try await tags(request, repository: RepositoryName(parsing: name))
        case (.manifest(let name, let reference), .get), (.manifest(let name, let reference), .head):
            let repository = try RepositoryName(parsing: name)
            let scanner = if let caller, let authorizer { try await authorizer.decisions.holdsScan(repository, caller: caller) } else { false }
            return try await PullCaller.$isScanner.withValue(scanner) {
                try await getManifest(request, repository: repository, reference: Self.readableReference(reference), actor: actor)
            }
        case (.manifest(let name, let reference), .put):
            return try await putManifest(
                request, repository: RepositoryName(parsing: name), reference: Reference(parsing: reference), actor: actor)
        case (.manifest(let name, let reference), .delete):
            return try await deleteManifest(repository: RepositoryName(parsing: name), reference: Reference(parsing: reference), actor: actor)
        case (.blob(let name, let digest), .get), (.blob(let name, let digest), .head):
            return try await getBlob(request, repository: RepositoryName(parsing: name), digest: Digest(parsing: digest))
        case (.blob(let name, let digest), .delete):
            return try await deleteBlob(repository: RepositoryName(parsing: name), digest: Digest(parsing: digest), actor: actor)
        case (.uploads(let name), .post):
            return try await startUpload(request, repository: RepositoryName(parsing: name), caller: caller)
        case (.upload(let name, let id), .get):
            return try await uploadStatus(repository: RepositoryName(parsing: name), id: id)
        case (.upload(let name, let id), .patch):
            return try await patchUpload(request, repository: RepositoryName(parsing: name), id: id)
        case (.upload(let name, let id), .put):
            return try await completeUpload(request, repository: RepositoryName(parsing: name), id: id)
        case (.upload(let name, let id), .delete):
            return try await cancelUpload(repository: RepositoryName(parsing: name), id: id)
        case (.referrers(let name, let digest), .get):
            return try await referrers(request, repository: RepositoryName(parsing: name), digest: Digest(parsing: digest))
        default:
            // `V2Route.access(for:)` let through a pair this switch lacks.
            throw RegistryError(.unsupported, "method \(request.method) is not supported here")
        }
    }

    /// The caller as `/v2` sees it; nil when authentication is off
    /// (`auth: none`), where everyone may do everything. Credentials that
    /// did not verify are challenged on every route.
    private func caller(_ request: Request, _ context: BerthRequestContext) throws -> Caller? {
        guard let authorizer else { return nil }
        switch context.authentication {
        case .anonymous: return .anonymous
        case .authenticated(let caller): return caller
        case .failed(.refused(let error)): throw error
        case .failed(.unsupportedScheme):
            throw authorizer.challenges.bearer(request, scope: nil, message: "unsupported Authorization scheme")
        case .failed(.invalid(let reason, _)): throw authorizer.challenges.bearer(request, scope: nil, message: reason)
        }
    }

    /// Checks what the route declares it needs; refusals of a permission are audited.
    private func authorize(_ access: V2Access, caller: Caller?, _ request: Request, _ context: BerthRequestContext) async throws {
        guard let authorizer, let caller else { return }
        switch access {
        case .anyone: return
        case .probe:
            if context.authentication == .anonymous { throw authorizer.challenges.bearer(request, scope: nil, message: nil) }
        case .repository(let name, let action):
            let repository = try RepositoryName(parsing: name)
            do {
                try await authorizer.decisions.require(action, on: repository, caller: caller, request: request)
            } catch let error as RegistryError where error.code == .denied {
                events.record(RegistryEvent(
                    .accessDenied, actor: Actor(caller.identity, source: context.source), repository: repository, result: "failure",
                    detail: "\(action.rawValue) refused"))
                throw error
            }
        }
    }

    /// A reference to read: a string that cannot be a tag names no
    /// manifest (404, as Distribution answers), while pushing to it is a
    /// 400 `TAG_INVALID`.
    static func readableReference(_ text: String) throws -> Reference {
        do {
            return try Reference(parsing: text)
        } catch where error.code == .tagInvalid {
            throw RegistryError(.manifestUnknown, detail: ["tag": String(text.prefix(128))])
        }
    }

    static let apiVersion: HTTPFields = [.dockerDistributionAPIVersion: "registry/2.0"]

    /// An empty-bodied response.
    static func empty(_ status: HTTPResponse.Status, _ headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentLength] = "0"
        return Response(status: status, headers: headers)
    }

    static func json(_ bytes: [UInt8], status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = headers[.contentType] ?? "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
