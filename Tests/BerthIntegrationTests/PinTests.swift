import Foundation
import OCI
import Testing

/// `berth pin` as a separate process against a running Berth with token auth.
@Suite("berth pin")
struct PinTests {
    static func pin(_ arguments: [String], environment: [String: String]? = nil) async throws -> (status: Int32, output: String) {
        try await runCommand([BerthProcess.executable, "pin", "--tls-verify=false"] + arguments, environment: environment)
    }

    @Test func referencesArePinnedCheckedAndUpdated() async throws {
        let (registry, _) = try await AuthTests.start()
        let admin = AuthTests.basic("admin")
        let host = "127.0.0.1:\(registry.port)"
        let (baseManifest, base) = try await registry.pushImage("team/base", tag: "1.0", headers: [admin])
        try await registry.pushManifest("team/base", "latest", baseManifest, headers: [admin])
        let amd64 = try await registry.pushImage("team/multi", tag: "amd64", headers: [admin]).manifest
        let arm64 = try await registry.pushImage("team/multi", tag: "arm64", headers: [admin]).manifest
        let index = Content.index([(amd64, "linux/amd64"), (arm64, "linux/arm64")])
        let multi = try await registry.pushManifest("team/multi", "2.0", index, type: MediaType.ociIndex, headers: [admin])

        let folder = TestRegistry.temporaryFolder()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let dockerfile = folder + "/Dockerfile", compose = folder + "/compose.yaml", kubernetes = folder + "/deployment.yaml"
        try """
            FROM \(host)/team/base:1.0 AS build
            RUN make
            FROM --platform=linux/amd64 \(host)/team/multi:2.0
            COPY --from=build /out /out
            COPY --from=\(host)/team/base:1.0 /etc/x /etc/x
            RUN some-tool --from=\(host)/team/base:1.0
            FROM scratch
            FROM \(host)/team/base
            """.write(toFile: dockerfile, atomically: true, encoding: .utf8)
        try """
            services:
              web:
                image: "\(host)/team/base:1.0"   # the web front
                command: ["image: not-this"]
            """.write(toFile: compose, atomically: true, encoding: .utf8)
        try """
            spec:
              containers:
                - name: app
                  image: \(host)/team/multi:2.0
                - name: pinned-by-digest-only
                  image: \(host)/team/base@\(base)
            """.write(toFile: kubernetes, atomically: true, encoding: .utf8)
        let files = [dockerfile, compose, kubernetes]
        let creds = ["--creds", "admin:\(AuthTests.adminPassword)"]

        let unpinned = try await Self.pin(["--check"] + creds + files)
        #expect(unpinned.status != 0)
        #expect(unpinned.output.components(separatedBy: "unpinned").count - 1 == 6, "\(unpinned.output)")
        #expect(try String(contentsOfFile: dockerfile, encoding: .utf8).contains("@") == false, "--check writes nothing")

        let pinned = try await Self.pin(creds + files)
        #expect(pinned.status == 0, "\(pinned.output)")
        let text = try String(contentsOfFile: dockerfile, encoding: .utf8)
        #expect(text.contains("FROM \(host)/team/base:1.0@\(base) AS build"))
        #expect(text.contains("FROM --platform=linux/amd64 \(host)/team/multi:2.0@\(multi)"), "the index's digest")
        #expect(text.contains("COPY --from=build /out"))
        #expect(text.contains("COPY --from=\(host)/team/base:1.0@\(base) /etc/x"))
        #expect(text.contains("FROM scratch"))
        #expect(text.contains("RUN some-tool --from=\(host)/team/base:1.0\n"), "a command's own flags are not references")
        #expect(text.contains("FROM \(host)/team/base:latest@\(base)"), "no tag is latest")
        let composed = try String(contentsOfFile: compose, encoding: .utf8)
        #expect(composed.contains("image: \"\(host)/team/base:1.0@\(base)\"   # the web front"))
        #expect(composed.contains("[\"image: not-this\"]"))
        #expect(try String(contentsOfFile: kubernetes, encoding: .utf8).contains("image: \(host)/team/multi:2.0@\(multi)"))
        #expect(try await Self.pin(["--check"] + creds + files).status == 0)

        // The tag moves: the pins are stale; --check says so, --update rewrites them.
        let (_, moved) = try await registry.pushImage("team/base", tag: "1.0", headers: [admin])
        let stale = try await Self.pin(["--check"] + creds + files)
        #expect(stale.status != 0 && stale.output.contains("stale"), "\(stale.output)")
        #expect(try await Self.pin(creds + files).status == 0)
        #expect(try String(contentsOfFile: compose, encoding: .utf8).contains(base.description), "without --update, pins stay")
        #expect(try await Self.pin(["--update"] + creds + files).status == 0)
        #expect(try String(contentsOfFile: compose, encoding: .utf8).contains(moved.description))
        #expect(try String(contentsOfFile: kubernetes, encoding: .utf8).contains("team/base@\(base)"), "a digest alone is left alone")

        // Credentials from docker's config file; wrong ones fail with the registry's answer.
        let config = folder + "/docker"
        try FileManager.default.createDirectory(atPath: config, withIntermediateDirectories: true)
        let auth = Data("admin:\(AuthTests.adminPassword)".utf8).base64EncodedString()
        try Data(Content.json(["auths": ["http://\(host)": ["auth": auth]]])).write(to: URL(fileURLWithPath: config + "/config.json"))
        var environment = ProcessInfo.processInfo.environment
        environment["DOCKER_CONFIG"] = config
        #expect(try await Self.pin(["--check"] + files, environment: environment).status == 0)
        let refused = try await Self.pin(["--check", "--creds", "admin:wrong"] + files)
        #expect(refused.status != 0 && refused.output.contains("401"), "\(refused.output)")
        try await registry.stop()
    }
}
