import BerthManagement
import BerthMetadata
import Foundation
import Hummingbird
import OCI

/// The vulnerability database: its counts, and imports of OSV archives.
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
    }
}
