import BerthAuth
import BerthMetadata
import BerthRegistry
import Hummingbird
import OCI

/// Records every change made through `/api/v1` (any request other than a
/// GET) in the audit log: who, from where, what, and whether it was
/// allowed. One place, so routes added later are audited too.
struct ChangeAuditMiddleware: RouterMiddleware {
    let events: any EventSink

    func handle(
        _ request: Request, context: BerthRequestContext, next: (Request, BerthRequestContext) async throws -> Response
    ) async throws -> Response {
        guard request.method != .get, request.method != .head else { return try await next(request, context) }
        do {
            let response = try await next(request, context)
            record(request, context, status: Int(response.status.code))
            return response
        } catch let error as RegistryError {
            record(request, context, status: error.status)
            throw error
        } catch is BasicChallenge {
            record(request, context, status: 401)
            throw BasicChallenge()
        }
    }

    private func record(_ request: Request, _ context: BerthRequestContext, status: Int) {
        let succeeded = (200..<300).contains(status)
        guard succeeded || status == 401 || status == 403 else { return }
        // The handler verified these credentials when the request succeeded.
        let name = request.headers[.authorization].flatMap(Authorizer.basic)?.0
        let path = request.uri.path
        let parts = path.split(separator: "/")
        let project = parts.count >= 4 && parts[2] == "projects" ? String(parts[3]) : nil
        events.record(RegistryEvent(
            succeeded ? .settingsChanged : .accessDenied,
            actor: Actor(name: name, kind: name == nil ? "anonymous" : (name!.hasPrefix(Robot.prefix) ? "robot" : "user"), source: context.source),
            project: project, result: succeeded ? "success" : "failure", detail: "\(request.method) \(path) → \(status)"))
    }
}
