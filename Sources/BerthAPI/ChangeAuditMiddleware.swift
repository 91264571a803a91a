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
        } catch let challenge as AuthenticationChallenge {
            record(request, context, status: 401)
            throw challenge
        }
    }

    private func record(_ request: Request, _ context: BerthRequestContext, status: Int) {
        let succeeded = (200..<300).contains(status)
        guard succeeded || status == 401 || status == 403 else { return }
        let path = request.uri.path
        let parts = path.split(separator: "/")
        let project = parts.count >= 4 && parts[2] == "projects" ? String(parts[3]) : nil
        events.record(RegistryEvent(
            succeeded ? .settingsChanged : .accessDenied,
            actor: Self.actor(context),
            project: project, result: succeeded ? "success" : "failure", detail: "\(request.method) \(path) → \(status)"))
    }

    /// The verified caller; for credentials that failed, the name they claimed.
    private static func actor(_ context: BerthRequestContext) -> Actor {
        guard case .failed(.invalid(_, let claimed?)) = context.authentication else { return Actor(context.identity, source: context.source) }
        return Actor(name: claimed, kind: claimed.hasPrefix(Robot.prefix) ? "robot" : "user", source: context.source)
    }
}
