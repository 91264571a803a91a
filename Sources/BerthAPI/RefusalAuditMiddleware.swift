import BerthMetadata
import BerthRegistry
import Hummingbird
import OCI

/// Records every change refused through `/api/v1` (any request other than
/// a GET answered 401 or 403) in the audit log as `access.denied`: who,
/// from where, what. One place, so routes added later are audited too;
/// the services record the changes they make (`settings.changed`).
struct RefusalAuditMiddleware: RouterMiddleware {
    let events: any EventSink

    func handle(
        _ request: Request, context: BerthRequestContext, next: (Request, BerthRequestContext) async throws -> Response
    ) async throws -> Response {
        guard request.method != .get, request.method != .head else { return try await next(request, context) }
        do {
            return try await next(request, context)
        } catch let error as RegistryError {
            if error.status == 401 || error.status == 403 { record(request, context, status: error.status) }
            throw error
        } catch let challenge as AuthenticationChallenge {
            record(request, context, status: 401)
            throw challenge
        }
    }

    private func record(_ request: Request, _ context: BerthRequestContext, status: Int) {
        let path = request.uri.path
        let parts = path.split(separator: "/")
        let project = parts.count >= 4 && parts[2] == "projects" ? String(parts[3]) : nil
        events.record(RegistryEvent(
            .accessDenied, actor: Self.actor(context), project: project, result: "failure", detail: "\(request.method) \(path) → \(status)"))
    }

    /// The verified caller; for credentials that failed, the name they claimed.
    private static func actor(_ context: BerthRequestContext) -> Actor {
        guard case .failed(.invalid(_, let claimed?)) = context.authentication else { return Actor(context.identity, source: context.source) }
        return Actor(name: claimed, kind: claimed.hasPrefix(Robot.prefix) ? "robot" : "user", source: context.source)
    }
}
