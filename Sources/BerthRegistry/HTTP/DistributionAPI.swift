import BerthAuth
import BerthMetadata
import HTTPTypes
import Hummingbird
import NIOCore
import OCI

/// The `/v2` Distribution API: parses the route, validates names, digests
/// and references, and answers with the spec's status codes and headers.
/// The rules themselves live in `RegistryService`.
public struct DistributionAPI: Sendable {
    let registry: RegistryService
    /// nil when authentication is off (`auth: none`).
    let authorizer: Authorizer?
    /// Audit log and webhooks.
    let events: any EventSink

    public init(registry: RegistryService, authorizer: Authorizer?, events: any EventSink) {
        self.registry = registry
        self.authorizer = authorizer
        self.events = events
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
        let caller = try await authorize(route, request, context)
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
            return try await getManifest(
                request, repository: RepositoryName(parsing: name), reference: Self.readableReference(reference), actor: actor)
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
            throw RegistryError(.unsupported, "method \(request.method) is not supported here")
        }
    }

    /// Authenticates the caller and checks the one action the route needs.
    private func authorize(_ route: V2Route, _ request: Request, _ context: BerthRequestContext) async throws -> Caller? {
        guard let authorizer else { return nil }
        let caller = try await authorizer.authenticate(request, source: context.source)
        let needed: (name: String, action: Action)?
        switch (route, request.method) {
        case (.base, _):
            // Clients probe /v2/ to learn how to authenticate.
            if caller.identity == .anonymous && request.headers[.authorization] == nil {
                throw authorizer.challenge(request, scope: nil, message: nil)
            }
            needed = nil
        case (.catalog, _): needed = nil
        case (.manifest(let name, _), .delete), (.blob(let name, _), .delete): needed = (name, .delete)
        case (.manifest(let name, _), .put), (.uploads(let name), _), (.upload(let name, _), _): needed = (name, .push)
        case (.tags(let name), _), (.manifest(let name, _), _), (.blob(let name, _), _), (.referrers(let name, _), _):
            needed = (name, .pull)
        }
        if let (name, action) = needed {
            let repository = try RepositoryName(parsing: name)
            do {
                try await authorizer.require(action, on: repository, caller: caller, request: request)
            } catch let error as RegistryError where error.code == .denied {
                events.record(RegistryEvent(
                    .accessDenied, actor: Actor(caller.identity, source: context.source), repository: repository, result: "failure",
                    detail: "\(action.rawValue) refused"))
                throw error
            }
        }
        return caller
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
