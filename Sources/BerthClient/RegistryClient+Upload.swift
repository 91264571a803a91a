import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OCI

/// Blob uploads that survive a dropped connection: the bytes go in one
/// `PATCH`; when it fails midway, the registry is asked how much it kept
/// (`GET` on the upload: `Range: 0-N`) and the rest is sent from there,
/// read again from the source at that offset. Then a `PUT ?digest=` ends it.
extension RegistryClient {
    /// Attempts at the bytes of one blob, each resuming where the registry's copy ends.
    static let uploadAttempts = 5

    /// Uploads `size` bytes of `digest`; `bytes(offset)` gives them from `offset` on (again after a failure).
    public func pushBlob(
        _ repository: String, _ digest: Digest, size: Int64, on host: String,
        bytes: @escaping @Sendable (Int64) async throws -> ByteStream
    ) async throws {
        let started = try await send(.POST, "/v2/\(repository)/blobs/uploads/", on: host, scope: .push(repository), headers: [("Content-Length", "0")])
        let startBody = try? await started.body.collect(upTo: 1 << 16)
        guard started.status == .accepted, var location = started.headers.first(name: "Location") else {
            throw ClientError("\(host) answered \(started.status.code) when an upload to \(repository) was started\(startBody.map(Self.errorText) ?? "")")
        }
        var offset: Int64 = 0
        var attempt = 0
        while offset < size {
            attempt += 1
            do {
                location = try await patch(location, repository, from: offset, size: size, bytes: bytes, on: host)
                offset = size
            } catch {
                guard attempt < Self.uploadAttempts, !(error is CancellationError), !(error is UploadRefused) else { throw error }
                try await Task.sleep(for: .milliseconds(250 << min(attempt, 5)))
                // What the registry kept is where the next attempt starts.
                (location, offset) = try await uploadProgress(location, repository, on: host)
                guard offset <= size else { throw ClientError("\(host) holds \(offset) bytes of the \(size)-byte upload of \(digest)") }
            }
        }
        let separator = location.contains("?") ? "&" : "?"
        let put = try await send(
            .PUT, location + separator + "digest=\(digest)", on: host, scope: .push(repository), headers: [("Content-Length", "0")])
        let body = try? await put.body.collect(upTo: 1 << 16)
        guard put.status == .created else {
            throw ClientError("\(host) answered \(put.status.code) to the upload of \(digest) to \(repository)\(body.map(Self.errorText) ?? "")")
        }
    }

    /// Sends the bytes from `offset` to the end in one `PATCH`; returns the upload's next location.
    private func patch(
        _ location: String, _ repository: String, from offset: Int64, size: Int64,
        bytes: @escaping @Sendable (Int64) async throws -> ByteStream, on host: String
    ) async throws -> String {
        let rest = size - offset
        let stream = try await bytes(offset)
        let response = try await send(
            .PATCH, location, on: host, scope: .push(repository),
            headers: [("Content-Type", "application/octet-stream"), ("Content-Length", String(rest)),
                      ("Content-Range", "\(offset)-\(size - 1)")],
            body: { .stream(stream, length: .known(rest)) }, repeatable: false, deadline: .hours(24 * 7))
        let body = try? await response.body.collect(upTo: 1 << 16)
        switch response.status.code {
        case 202: return response.headers.first(name: "Location") ?? location
        case 401, 403, 404, 413:
            // Refused (credentials, a quota, a size limit, an upload it forgot): sending the bytes again will not help.
            // Others (a 416 for an offset it disputes, a 5xx) are asked about and resumed.
            throw UploadRefused(message: "\(host) answered \(response.status.code) to the upload's bytes\(body.map(Self.errorText) ?? "")")
        default:
            throw ClientError("\(host) answered \(response.status.code) to the upload's bytes\(body.map(Self.errorText) ?? "")")
        }
    }

    /// The upload's location and how many bytes the registry holds (`Range: 0-N`, none yet without one).
    private func uploadProgress(_ location: String, _ repository: String, on host: String) async throws -> (String, Int64) {
        let response = try await send(.GET, location, on: host, scope: .push(repository))
        _ = try? await response.body.collect(upTo: 1 << 16)
        guard response.status == .noContent || response.status == .ok else {
            throw ClientError("\(host) answered \(response.status.code) when asked how much of the upload it holds", status: Int(response.status.code))
        }
        let next = response.headers.first(name: "Location") ?? location
        guard let range = response.headers.first(name: "Range") else { return (next, 0) }
        // `0-N`, or `bytes=0-N` as some registries write it.
        let text = range.hasPrefix("bytes=") ? String(range.dropFirst(6)) : range
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == "0", parts[1].count <= 19, let last = Int64(parts[1]), last >= -1, last < Int64.max else {
            throw ClientError("\(host) described the upload's progress as \(range.prefix(64))")
        }
        return (next, last + 1)
    }
}

/// A registry refused an upload's bytes for a reason that a retry does not change.
struct UploadRefused: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
