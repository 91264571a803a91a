import BerthManagement
import BerthMetadata
import BerthRegistry
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OCI

/// `/api/v1`: the management services as JSON, authenticated with Basic
/// credentials. Every route declares what it needs (`ManagementAccess`),
/// checked before it runs; handlers only parse, call one service, and render.
public struct ManagementAPI: Sendable {
    let services: ManagementServices
    /// Refusals go to the audit log (the services record the changes).
    let events: any EventSink

    public init(services: ManagementServices, events: any EventSink) {
        self.services = services
        self.events = events
    }

    /// Registers every `/api/v1` route, and returns what each declared it needs.
    @discardableResult
    public func addRoutes(to router: Router<BerthRequestContext>) -> [DeclaredRoute] {
        let prefix = "/api/v1"
        let group = router.group(RouterPath(prefix)).add(middleware: RefusalAuditMiddleware(events: events))
        let api = ManagementRoutes(group, prefix: prefix, permissions: services.permissions)
        api.on("/openapi.json", .get, requires: .anyone) { _, _ in OpenAPIDocument.response() }
        addUserRoutes(to: api)
        addProjectRoutes(to: api)
        addRobotRoutes(to: api)
        addPolicyRoutes(to: api)
        addRetentionRoutes(to: api)
        addSettingRoutes(to: api)
        addTokenRoutes(to: api)
        addFederationRoutes(to: api)
        addRegistryRoutes(to: api)
        addReplicationRoutes(to: api)
        addVulnerabilityRoutes(to: api)
        addArtifactRoutes(to: api)
        addMaintenanceRoutes(to: api)
        addEventRoutes(to: api)
        return api.declared
    }

    // MARK: Bodies

    struct UserBody: Codable {
        let name: String
        let email: String
        let admin: Bool
        let disabled: Bool
    }

    struct ProjectBody: Codable {
        let name: String
        let `public`: Bool
    }

    struct MemberBody: Codable {
        let user: String
        let role: Role
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // RFC 3339 (`2026-12-01T07:31:39Z`), not Foundation's seconds since 2001.
        encoder.dateEncodingStrategy = .iso8601
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    /// A listing's `?limit=`: 1 to `largest`, `fallback` when absent.
    static func pageLimit(_ value: (some StringProtocol)?, largest: Int = 1000, fallback: Int) throws -> Int {
        guard let value else { return fallback }
        guard let n = Int(value), (1...largest).contains(n) else {
            throw RegistryError(.paginationNumberInvalid, "limit must be 1 to \(largest)", status: 400)
        }
        return n
    }

    static func decode<T: Decodable>(_ type: T.Type, _ request: Request, _ context: BerthRequestContext) async throws -> T {
        do {
            return try await request.decode(as: type, context: context)
        } catch {
            throw RegistryError(.unsupported, "the request body is not the expected JSON: \(error)", status: 400)
        }
    }

    /// A body that may be left out: nil when the request has none (then
    /// the documented defaults apply); anything else must parse, because a
    /// default that deletes is never a safe reading of a typo.
    static func decodeIfPresent<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T? {
        var body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: 1 << 20)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw RegistryError(.unsupported, "the request body is larger than 1 MiB", status: 413)
        }
        let bytes = body.readBytes(length: body.readableBytes) ?? []
        guard !bytes.isEmpty else { return nil }
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch {
            throw RegistryError(.unsupported, "the request body is not the expected JSON: \(error)", status: 400)
        }
    }

    static func userBody(_ user: User) -> UserBody {
        UserBody(name: user.name, email: user.email, admin: user.isAdmin, disabled: user.isDisabled)
    }
}
