import Foundation
import OCI
import Testing

/// `berth credential-helper` through its stdin/stdout protocol, and as
/// `docker-credential-berth` called by skopeo for a private repository.
@Suite("The docker credential helper")
struct CredentialHelperTests {
    static func helper(_ action: String, input: String, home: String, executable: String = BerthProcess.executable) async throws -> (status: Int32, output: String) {
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_CONFIG_HOME"] = home
        let arguments = executable.hasSuffix("docker-credential-berth") ? [executable, action] : [executable, "credential-helper", action]
        return try await runCommand(["sh", "-c", "printf '%s' \"$0\" | \"$@\"", input] + arguments, environment: environment)
    }

    @Test func storesGetsListsAndErases() async throws {
        let home = TestRegistry.temporaryFolder()
        let stored = try await Self.helper("store", input: #"{"ServerURL": "https://registry.example:5000/", "Username": "ci", "Secret": "s3cret"}"#, home: home)
        #expect(stored.status == 0, "\(stored.output)")
        let mode = try FileManager.default.attributesOfItem(atPath: home + "/berth/credentials.json")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        for server in ["registry.example:5000", "https://registry.example:5000", "http://REGISTRY.example:5000/"] {
            let got = try await Self.helper("get", input: server, home: home)
            #expect(got.status == 0, "\(server): \(got.output)")
            let entry = try JSONSerialization.jsonObject(with: Data(got.output.utf8)) as? [String: String]
            #expect(entry?["Username"] == "ci" && entry?["Secret"] == "s3cret", "\(got.output)")
        }
        let listed = try await Self.helper("list", input: "", home: home)
        #expect(listed.output.contains(#""https://registry.example:5000/":"ci""#), "\(listed.output)")
        let missing = try await Self.helper("get", input: "other.example", home: home)
        #expect(missing.status == 1 && missing.output.contains("credentials not found"))
        #expect(try await Self.helper("erase", input: "registry.example:5000", home: home).status == 0)
        #expect(try await Self.helper("get", input: "registry.example:5000", home: home).status == 1)
        #expect(try await Self.helper("store", input: "not json", home: home).status == 1)
        #expect(try await Self.helper("frobnicate", input: "", home: home).status != 0)
    }

    @Test(.enabled(if: isInstalled("skopeo") || ProcessInfo.processInfo.environment["CI"] != nil, "skopeo is not installed"))
    func skopeoPullsWithTheHelper() async throws {
        let (registry, _) = try await AuthTests.start()
        _ = try await registry.pushImage("team/app", tag: "v1", headers: [AuthTests.basic("admin")])
        let home = TestRegistry.temporaryFolder()
        let bin = home + "/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: bin + "/docker-credential-berth", withDestinationPath: BerthProcess.executable)
        let host = "127.0.0.1:\(registry.port)"
        let input = #"{"ServerURL": "\#(host)", "Username": "dev", "Secret": "dev-pw"}"#
        #expect(try await Self.helper("store", input: input, home: home, executable: bin + "/docker-credential-berth").status == 0)
        let authfile = home + "/auth.json"
        try Data(Content.json(["credHelpers": [host: "berth"]])).write(to: URL(fileURLWithPath: authfile))
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_CONFIG_HOME"] = home
        environment["PATH"] = bin + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        let inspected = try await runCommand(
            ["skopeo", "--insecure-policy", "inspect", "--raw", "--tls-verify=false", "--authfile", authfile, "docker://\(host)/team/app:v1"],
            environment: environment)
        #expect(inspected.status == 0, "\(inspected.output)")
        let without = try await runCommand(["skopeo", "--insecure-policy", "inspect", "--raw", "--tls-verify=false", "docker://\(host)/team/app:v1"])
        #expect(without.status != 0, "the repository is private")
        try await registry.stop()
    }
}
