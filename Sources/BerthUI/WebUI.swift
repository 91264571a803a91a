import BerthAuth
import BerthManagement
import BerthMetadata
import BerthRegistry
import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore
import OCI

/// The web UI: server-rendered pages over the same management services as
/// `/api/v1`, so both answer to one permission matrix. A page is one file
/// of `add…Pages` and its template; it is registered by one line in
/// `addRoutes`.
public struct WebUI: Sendable {
    let services: ManagementServices
    let sessions: WebSessions
    let authenticator: Authenticator
    let templates: MustacheLibrary
    let system: SystemFacts
    let assets = Assets()

    /// What the administration page tells about this node.
    public struct SystemFacts: Sendable {
        let version: String
        let database: String
        let storage: String
        let startedAt: Date

        public init(version: String, database: String, storage: String, startedAt: Date) {
            (self.version, self.database, self.storage, self.startedAt) = (version, database, storage, startedAt)
        }
    }

    /// The templates, compiled once when the server starts (a template that
    /// does not parse stops the start, with its name).
    public struct CompiledTemplates: Sendable {
        let library: MustacheLibrary

        public static func compile() throws -> CompiledTemplates { CompiledTemplates(library: try Templates.library()) }
    }

    public init(
        services: ManagementServices, sessions: WebSessions, authenticator: Authenticator, templates: CompiledTemplates, system: SystemFacts
    ) {
        self.system = system
        self.services = services
        self.sessions = sessions
        self.authenticator = authenticator
        self.templates = templates.library
    }

    /// How the UI signs requests in: its sessions, for the authentication middleware.
    public var resolver: any CredentialResolver { SessionResolver(sessions: sessions) }

    public func addRoutes(to router: Router<BerthRequestContext>) {
        let routes = UIRoutes(router: router, ui: self)
        addAssetAndRootRoutes(to: routes)
        addSignInPages(to: routes)
        addProjectPages(to: routes)
        addProjectAdminPages(to: routes)
        addPolicyPages(to: routes)
        addRepositoryPages(to: routes)
        addSearchPages(to: routes)
        addAdminPages(to: routes)
        addReplicationPages(to: routes)
    }

    /// The embedded assets, and `/`, which sends a visitor to the projects or to sign in.
    private func addAssetAndRootRoutes(to routes: UIRoutes) {
        routes.router.get("/assets/:file") { [assets] request, _ in
            guard let asset = assets.asset(at: request.uri.path) else { throw RegistryError(.nameUnknown, "no such asset", status: 404) }
            return assets.response(asset)
        }
        routes.router.get("/") { request, context in
            let signedIn = if case .authenticated = context.authentication { true } else { false }
            return UIRoutes.redirect(signedIn ? "/projects" : "/login")
        }
    }

    /// A page of `template` with `values`, in the layout.
    func render(_ template: String, title: String, _ values: [String: Any], visit: Visit, status: HTTPResponse.Status = .ok, csrf: String? = nil) -> Response {
        var context = values
        context["title"] = title
        context["assets"] = assets.paths
        context["csrf"] = csrf ?? visit.csrf
        if let user = visit.user { context["user"] = ["name": user.name, "admin": user.isAdmin] as [String: Any] }
        let html = templates.render(context, withTemplate: template) ?? ""
        return UIRoutes.html(html, status: status)
    }

    /// The error page for a failure the visitor may see (404 for what is
    /// not theirs to see, 403, 409, a refused form).
    func errorPage(_ error: RegistryError, visit: Visit) -> Response {
        let status = HTTPResponse.Status(code: error.status)
        let title = status.code == 404 ? "Not found" : "\(status.code) \(status.reasonPhrase)"
        return render("error", title: title, ["message": error.message], visit: visit, status: status)
    }
}

/// One request to a page: who asks, with what session, from where.
struct Visit: Sendable {
    let request: Request
    let requester: Requester
    /// The signed-in user; nil for an anonymous visitor.
    let user: (name: String, isAdmin: Bool)?
    /// The session's secret, from its cookie.
    let secret: String?
    /// Reached over HTTPS (a trusted proxy said so): cookies are `Secure`.
    let secure: Bool

    init(_ request: Request, _ context: BerthRequestContext) {
        self.request = request
        requester = Requester(authentication: context.authentication, source: context.source, logger: context.logger)
        user = if case .authenticated(let caller) = context.authentication, case .user(let name, let admin) = caller.identity {
            (name, admin)
        } else { nil }
        secret = user == nil ? nil : WebSessions.secret(in: request)
        secure = request.headers[HTTPField.Name("X-Forwarded-Proto")!]?.lowercased() == "https"
    }

    /// The token the session's forms carry; empty without a session.
    var csrf: String { secret.map(WebSessions.csrfToken(for:)) ?? "" }

    /// The registry's host as the browser reached it, for pull commands.
    var host: String { request.headers[HTTPField.Name("X-Forwarded-Host")!] ?? request.head.authority ?? "localhost:5000" }

    func query(_ name: String) -> String? { request.uri.queryParameters[Substring(name)].map(String.init) }
}

/// The UI's routes: pages (GET) and forms (POST, checked for the session's
/// CSRF token), with the answers every page shares: a sign-in redirect,
/// HTML errors, and the security headers.
struct UIRoutes {
    let router: Router<BerthRequestContext>
    let ui: WebUI

    typealias Page = @Sendable (Visit) async throws -> Response
    typealias Form = @Sendable (Visit, FormBody) async throws -> Response

    /// A page for signed-in users; anyone else is sent to sign in, and back here after.
    func page(_ path: RouterPath, _ handler: @escaping Page) {
        router.get(path) { [ui] request, context in
            let visit = Visit(request, context)
            guard visit.user != nil else { return Self.signInFirst(request) }
            return try await ui.answer(visit) { try await handler(visit) }
        }
    }

    /// A form's target: the CSRF token must be the session's, or nothing happens.
    func form(_ path: RouterPath, _ handler: @escaping Form) {
        router.post(path) { [ui] request, context in
            let visit = Visit(request, context)
            guard visit.user != nil else { return Self.redirect("/login") }
            return try await ui.answer(visit) {
                let form = try await FormBody(request)
                guard let token = form["csrf"], !visit.csrf.isEmpty, Self.same(token, visit.csrf) else {
                    throw RegistryError(.denied, "the form has expired: reload the page and send it again", status: 403)
                }
                return try await handler(visit, form)
            }
        }
    }

    static func signInFirst(_ request: Request) -> Response {
        var next = request.uri.path
        if let query = request.uri.query, !query.isEmpty { next += "?" + query }
        return redirect("/login?next=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/"))
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .contentLength: "0", .cacheControl: "no-store"])
    }

    /// Constant time: how much of a guess matched must not show in the time taken.
    static func same(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// No inline script or style, nothing from elsewhere, no framing.
    static let securityHeaders: [(HTTPField.Name, String)] = [
        (HTTPField.Name("Content-Security-Policy")!,
         "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"),
        (HTTPField.Name("X-Content-Type-Options")!, "nosniff"),
        (HTTPField.Name("Referrer-Policy")!, "same-origin"),
        (HTTPField.Name("X-Frame-Options")!, "DENY"),
    ]

    static func html(_ html: String, status: HTTPResponse.Status) -> Response {
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store", .contentLength: "\(html.utf8.count)"]
        for (name, value) in securityHeaders { headers[name] = value }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}

extension WebUI {
    /// Runs a page or form; a refusal the visitor may see becomes an error page.
    func answer(_ visit: Visit, _ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch is SignInRequired {
            return UIRoutes.signInFirst(visit.request)
        } catch let error as RegistryError where error.status < 500 {
            return errorPage(error, visit: visit)
        }
    }
}
