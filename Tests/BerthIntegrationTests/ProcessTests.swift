import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OCI
import Synchronization
import Testing

/// A count shared with a stream's producer.
final class Counter: Sendable {
    private let count = Atomic<Int>(0)
    var value: Int { count.load(ordering: .relaxed) }
    /// Returns the new count.
    @discardableResult func increment() -> Int { count.add(1, ordering: .relaxed).newValue }
}

@Suite("The berth process: SIGKILL mid-upload, graceful SIGTERM", .serialized)
struct ProcessTests {
    /// Streams `bytes` as a PATCH body in `pieces`, `pause` apart, so the
    /// request is still in flight when the test acts on the server. Each
    /// piece is made when the client asks for it; `sent` counts them, so a
    /// test can wait until the request is being sent.
    static func slowPatch(_ url: String, _ bytes: [UInt8], pieces: Int, pause: Duration, sent: Counter? = nil) async throws -> Int {
        var request = HTTPClientRequest(url: url)
        request.method = .PATCH
        let size = bytes.count / pieces
        let next = Counter()
        let stream = AsyncStream<ByteBuffer> {
            let index = next.increment() - 1
            guard index < pieces else { return nil }
            if index > 0 { try? await Task.sleep(for: pause) }
            sent?.increment()
            let end = index == pieces - 1 ? bytes.count : (index + 1) * size
            return ByteBuffer(bytes: bytes[(index * size)..<end])
        }
        request.body = .stream(stream, length: .known(Int64(bytes.count)))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        _ = try await response.body.collect(upTo: 1 << 20)
        return Int(response.status.code)
    }

    @Test func sigkillMidUploadLosesNothingCommitted() async throws {
        let folder = TestRegistry.temporaryFolder()
        let first = try await BerthProcess.start(dataFolder: folder)
        let (manifest, digest) = try await first.pushImage("team/app", tag: "1.0")
        let bytes = Content.randomBytes(8 << 20)
        let location = try await first.startUpload("team/app")
        #expect(try await first.request(.PATCH, location, body: Array(bytes[..<(1 << 20)])).status == 202)

        // The second chunk is still arriving when the server is killed.
        let rest = Array(bytes[(1 << 20)...])
        let inFlight = Task { try await Self.slowPatch(first.base + location, rest, pieces: 40, pause: .milliseconds(25)) }
        try await Task.sleep(for: .milliseconds(300))
        first.signal(SIGKILL)
        _ = try? await inFlight.value
        _ = try await first.waitForExit()

        let second = try await BerthProcess.start(dataFolder: folder)
        #expect(try await second.request(.GET, "/v2/team/app/manifests/1.0").body == manifest)
        #expect(try await second.request(.GET, "/v2/team/app/manifests/\(digest)").status == 200)
        let layers = try #require(try JSONSerialization.jsonObject(with: Data(manifest)) as? [String: Any])["layers"] as? [[String: Any]]
        for layer in layers ?? [] {
            let pulled = try await second.request(.GET, "/v2/team/app/blobs/\(layer["digest"] as! String)")
            #expect(Content.digest(pulled.body).description == layer["digest"] as? String)
        }
        // Nothing of the interrupted blob is visible; the upload resumes
        // from the bytes that reached the disk.
        #expect(try await second.request(.HEAD, "/v2/team/app/blobs/\(Content.digest(bytes))").status == 404)
        let status = try await second.request(.GET, location)
        #expect(status.status == 204)
        let received = try #require(status.header("Range").flatMap { Int($0.split(separator: "-")[1]) }) + 1
        #expect(received >= 1 << 20 && received < bytes.count)
        let done = try await second.request(
            .PUT, withQuery(location, "digest=\(Content.digest(bytes))"), headers: [("Content-Range", "\(received)-\(bytes.count - 1)")],
            body: Array(bytes[received...]))
        #expect(done.status == 201)
        #expect(try await second.request(.GET, "/v2/team/app/blobs/\(Content.digest(bytes))").body == bytes)
        second.signal(SIGTERM)
        #expect(try await second.waitForExit() == 0)
    }

    @Test func sigtermFinishesTheRequestInFlight() async throws {
        // On moto's S3 under a full suite's load the upload may take longer than the default 25 s allows.
        let server = try await BerthProcess.start(dataFolder: TestRegistry.temporaryFolder(), environment: ["BERTH_SHUTDOWN_TIMEOUT": "180s"])
        let bytes = Content.randomBytes(2 << 20)
        let location = try await server.startUpload("team/app")
        // The signal comes once the server reads the body (before, a loaded machine had not sent the request yet, and a
        // connection with no request is closed at once).
        let sent = Counter()
        let inFlight = Task { try await Self.slowPatch(server.base + location, bytes, pieces: 20, pause: .milliseconds(40), sent: sent) }
        for _ in 0..<300 where sent.value < 3 { try await Task.sleep(for: .milliseconds(100)) }
        server.signal(SIGTERM)
        #expect(try await inFlight.value == 202)
        #expect(try await server.waitForExit(timeout: 200) == 0)
        // The bytes were kept: a new server continues the upload.
        let again = try await BerthProcess.start(dataFolder: server.dataFolder)
        let put = try await again.request(.PUT, withQuery(location, "digest=\(Content.digest(bytes))"))
        #expect(put.status == 201)
        again.signal(SIGTERM)
        _ = try await again.waitForExit()
    }

    @Test func accountCommandsWorkWhileTheServerRuns() async throws {
        let folder = TestRegistry.temporaryFolder()
        let server = try await BerthProcess.start(dataFolder: folder, extraArguments: ["--auth", "token"])
        let cli = [BerthProcess.executable]
        let common = ["--data", folder, "--password-cost", "4"]
        for command in [
            ["user", "add", "alice", "--password", "alice-password", "--email", "alice@example.test"],
            ["project", "add", "team"],
            ["project", "member", "team", "alice", "developer"],
        ] {
            let result = try await runCommand(cli + command + common)
            #expect(result.status == 0, "\(command): \(result.output)")
        }
        let robot = try await runCommand(cli + ["robot", "add", "team", "ci", "--permissions", "pull,push"] + common)
        let secret = try #require(robot.output.split(separator: "\n").first { $0.hasPrefix("secret:") }?.split(separator: " ").last)
        try await server.pushImage("team/app", tag: "1", headers: [AuthTests.basic("alice", "alice-password")])
        try await server.pushImage("team/ci", tag: "1", headers: [AuthTests.basic("robot$team+ci", String(secret))])
        #expect(try await server.request(.DELETE, "/v2/team/app/manifests/1", headers: [AuthTests.basic("alice", "alice-password")]).status == 403)
        let users = try await runCommand(cli + ["user", "list"] + common)
        #expect(users.output.contains("admin") && users.output.contains("alice"))
        #expect(try await runCommand(cli + ["user", "disable", "alice"] + common).status == 0)
        // Sign-ins check the accounts afresh (Basic on /v2 may reuse a verification for up to 30 s).
        #expect(try await server.request(.GET, "/service/token?service=berth", headers: [AuthTests.basic("alice", "alice-password")]).status == 401)
        #expect(try await runCommand(cli + ["user", "add", "bob", "--password", "short"] + common).status != 0)
        server.signal(SIGTERM)
        _ = try await server.waitForExit()
    }

    @Test func helpDocumentsTheSettings() async throws {
        let help = try await runCommand([BerthProcess.executable, "serve", "--help"])
        #expect(help.status == 0)
        for flag in ["--listen", "--data", "--config", "--log-level", "--upload-max-age", "--max-blob-size", "BERTH_LISTEN"] {
            #expect(help.output.contains(flag), "\(flag)")
        }
        let bad = try await runCommand([BerthProcess.executable, "serve", "--listen", "nowhere"])
        #expect(bad.status != 0)
        #expect(bad.output.contains("HOST:PORT"))
    }
}
