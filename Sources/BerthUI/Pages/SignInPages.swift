import BerthAuth
import BerthManagement
import BerthMetadata
import BerthRegistry
import HTTPTypes
import Hummingbird
import Logging
import OCI

/// `/login` and `/logout`. Sign-in is by user name and password (robots and
/// personal access tokens sign in to the registry, not here), throttled
/// with the API's sign-ins. The login form has its own CSRF token, tied to
/// a short cookie, so that another site cannot sign a browser in to an
/// account of its choosing.
extension WebUI {
    static let loginCookie = "berth_login"

    func addSignInPages(to routes: UIRoutes) {
        routes.router.get("/login") { request, context in
            let visit = Visit(request, context)
            let next = Self.safeNext(visit.query("next"))
            if visit.user != nil { return UIRoutes.redirect(next) }
            return loginForm(visit, next: next, username: "", failure: nil, status: .ok)
        }
        routes.router.post("/login") { request, context in
            let visit = Visit(request, context)
            return try await answer(visit) { try await signIn(visit) }
        }
        routes.form("/logout") { visit, _ in
            if let secret = visit.secret { try await sessions.end(secret) }
            visit.requester.logger.notice("signed out of the web UI", metadata: ["user": "\(visit.user?.name ?? "")"])
            var response = UIRoutes.redirect("/login")
            response.headers[.setCookie] = sessions.cookie(nil, secure: visit.secure)
            return response
        }
    }

    private func signIn(_ visit: Visit) async throws -> Response {
        let form = try await FormBody(visit.request)
        let next = Self.safeNext(form["next"])
        let username = String((form["username"] ?? "").prefix(256))
        guard let nonce = WebSessions.cookie(Self.loginCookie, in: visit.request), let token = form["csrf"],
              UIRoutes.same(token, WebSessions.csrfToken(for: nonce))
        else {
            return loginForm(visit, next: next, username: username, failure: "The sign-in form expired: please sign in again.", status: .forbidden)
        }
        let password = String((form["password"] ?? "").prefix(1024))
        let signedIn: SignedIn?
        do {
            signedIn = try await authenticator.verifyPassword(name: username, password: password, source: visit.requester.source)
        } catch let error as RegistryError where error.code == .tooManyRequests {
            return loginForm(visit, next: next, username: username, failure: error.message, status: .tooManyRequests)
        }
        guard let signedIn, signedIn.limit == nil, case .user(let name, _) = signedIn.identity else {
            return loginForm(visit, next: next, username: username, failure: "Invalid username or password.", status: .unauthorized)
        }
        let secret = try await sessions.begin(for: name)
        visit.requester.logger.notice("signed in to the web UI", metadata: ["user": "\(name)", "source": "\(visit.requester.source)"])
        var response = UIRoutes.redirect(next)
        response.headers.append(HTTPField(name: .setCookie, value: sessions.cookie(secret, secure: visit.secure)))
        response.headers.append(HTTPField(name: .setCookie, value: "\(Self.loginCookie)=; Path=/login; HttpOnly; SameSite=Strict; Max-Age=0"))
        return response
    }

    private func loginForm(_ visit: Visit, next: String, username: String, failure: String?, status: HTTPResponse.Status) -> Response {
        let nonce = Secrets.random(length: 32)
        var values: [String: Any] = ["next": next, "username": username]
        if let failure { values["failure"] = failure }
        // The page's own token, in place of a session's.
        var response = render("login", title: "Sign in", values, visit: visit, status: status, csrf: WebSessions.csrfToken(for: nonce))
        response.headers.append(
            HTTPField(
                name: .setCookie,
                value: "\(Self.loginCookie)=\(nonce); Path=/login; HttpOnly; SameSite=Strict; Max-Age=3600\(visit.secure ? "; Secure" : "")"))
        return response
    }

    /// Where to go after signing in: a path of this site, never another site's URL.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.hasPrefix("/\\"), next.count <= 2048,
              !next.contains(where: { $0.isNewline })
        else { return "/projects" }
        return next
    }
}
