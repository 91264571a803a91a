import BerthManagement
import BerthMetadata
import BerthRegistry
import Foundation
import HTTPTypes
import Hummingbird
import OCI

/// The vulnerability database (its counts, imports of OSV archives), and artifacts' scans.
extension ManagementAPI {
    /// The largest archive taken over HTTP; `berth vulndb import` reads larger ones from disk.
    static let largestUploadedArchive = 512 << 20

    func addVulnerabilityRoutes(to api: ManagementRoutes) {
        let vulnerabilities = services.vulnerabilities
        api.on("/vulndb", .get, requires: .signedIn) { _, context in
            try Self.json(try await vulnerabilities.summary(by: context.requester))
        }
        api.on("/vulndb", .post, requires: .admin) { request, context in
            let type = request.headers[.contentType]?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard type == "application/zip" else {
                throw RegistryError(.unsupported, "the body must be an OSV all.zip archive sent as Content-Type: application/zip", status: 415)
            }
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: Self.largestUploadedArchive)
            } catch {
                throw RegistryError(
                    .sizeInvalid, "the archive is larger than \(Self.largestUploadedArchive >> 20) MiB: import it with berth vulndb import",
                    status: 413)
            }
            return try Self.json(try await vulnerabilities.importArchive(Data(body.readableBytesView), by: context.requester))
        }
        let scans = services.scans
        api.on("/scan", .post, requires: .signedIn) { request, context in
            struct Asked: Decodable { let repository: String; let digest: String }
            let asked = try await Self.decode(Asked.self, request, context)
            let queued = try await scans.request(repository: asked.repository, digest: asked.digest, by: context.requester)
            struct Answer: Encodable { let status: String; let queued: Bool }
            return try Self.json(Answer(status: "pending", queued: queued), status: .accepted)
        }
        api.on("/vulnerabilities", .get, requires: .signedIn) { request, context in
            let parameters = request.uri.queryParameters
            guard let repository = parameters["repository"].map(String.init), let digest = parameters["digest"].map(String.init) else {
                throw RegistryError(.unsupported, "repository and digest are required (?repository=team/app&digest=sha256:…)", status: 400)
            }
            return try await Self.report(of: repository, digest, scans: scans, request, context)
        }
        // Harbor's paths for the same, under the project: the repository
        // inside it as one segment, its slashes percent-encoded (`sub%2Fapp`,
        // or `sub%252Fapp` as Harbor's clients encode them twice).
        let artifact = "/projects/{name}/repositories/{repository}/artifacts/{digest}"
        api.on(artifact + "/scan", .post, requires: .projectRole(.developer, parameter: "name")) { _, context in
            let (repository, digest) = try Self.artifact(context)
            let queued = try await scans.request(repository: repository, digest: digest, by: context.requester)
            struct Answer: Encodable { let status: String; let queued: Bool }
            return try Self.json(Answer(status: "pending", queued: queued), status: .accepted)
        }
        api.on(artifact + "/vulnerabilities", .get, requires: .projectRole(.guest, parameter: "name")) { request, context in
            let (repository, digest) = try Self.artifact(context)
            return try await Self.report(of: repository, digest, scans: scans, request, context)
        }
    }

    /// `team` and `sub%252Fapp` → `team/sub/app`, and the digest.
    static func artifact(_ context: BerthRequestContext) throws -> (repository: String, digest: String) {
        let digest = try context.parameters.require("digest")
        return (try repository(context), digest.removingPercentEncoding ?? digest)
    }

    /// `team` and `sub%252Fapp` → `team/sub/app`.
    static func repository(_ context: BerthRequestContext) throws -> String {
        var path = try context.parameters.require("repository")
        for _ in 0..<2 { path = path.removingPercentEncoding ?? path }
        return try context.parameters.require("name") + "/" + path
    }

    /// An artifact's last scan: Berth's JSON, or Harbor's report format when Accept asks for it.
    static func report(
        of repository: String, _ digest: String, scans: ScanService, _ request: Request, _ context: BerthRequestContext
    ) async throws -> Response {
        let harbor = HarborScanReport.isAsked(by: request.headers[.accept])
        guard let (scan, report) = try await scans.scan(repository: repository, digest: digest, by: context.requester) else {
            if harbor { throw RegistryError(.manifestUnknown, "\(repository)@\(digest) has no scan report", status: 404) }
            return try Self.json(["status": "none"])
        }
        var answer = (report.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }) ?? [:]
        var type = "application/json"
        if harbor {
            if answer.isEmpty, scan.status == .failed {
                throw RegistryError(.unsupported, "the scan of \(repository)@\(digest) failed: \(scan.error ?? "")", status: 409)
            }
            guard !answer.isEmpty else {
                // As an adapter answers while it works: come back later.
                return Response(status: .found, headers: [HTTPField.Name("Refresh-After")!: "5"])
            }
            answer = HarborScanReport.from(answer, repository: repository, digest: digest, mediaType: nil)
            type = HarborScanReport.mediaType
        } else {
            answer["status"] = scan.status.rawValue
            answer["requested_at"] = ISO8601DateFormatter().string(from: scan.requestedAt)
            if let error = scan.error { answer["error"] = error }
        }
        let body = try JSONSerialization.data(withJSONObject: answer, options: [.sortedKeys, .withoutEscapingSlashes])
        return Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
