import BerthServer
import Foundation
import Testing

@Suite("Configuration: defaults, file, environment, flags")
struct ConfigurationTests {
    @Test func defaultsAreTheEmbeddedOnes() throws {
        let configuration = Configuration()
        #expect(configuration.listen == "127.0.0.1:5000")
        #expect(configuration.data == "./berth-data")
        #expect(configuration.auth == "token")
        #expect(try configuration.address == ("127.0.0.1", 5000))
    }

    @Test func exampleFileParsesAndLaterLayersWin() throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/berth.yaml")
        var configuration = Configuration()
        try configuration.apply(yaml: String(contentsOf: example, encoding: .utf8))
        #expect(configuration.uploadMaxAge == 24 * 3600)
        #expect(configuration.maxBlobSize == 64 << 30)
        try configuration.apply(yaml: "listen: 0.0.0.0:6000\nupload_max_age: 15m\nmax_blob_size: 512MiB")
        #expect(configuration.listen == "0.0.0.0:6000")
        #expect(configuration.uploadMaxAge == 900)
        #expect(configuration.maxBlobSize == 512 << 20)
        try configuration.apply(environment: ["BERTH_LISTEN": "[::1]:7000", "BERTH_DATA": "/srv/berth", "UNRELATED": "x"])
        #expect(try configuration.address == ("::1", 7000))
        #expect(configuration.data == "/srv/berth")
        try configuration.apply(environment: [
            "BERTH_SHUTDOWN_TIMEOUT": "40s", "BERTH_MIRROR_PROJECT": "hub", "BERTH_SECRET_KEY": "sixteen-or-more-characters",
        ])
        #expect(configuration.shutdownTimeout == 40)
        #expect(configuration.mirrorProject == "hub")
        #expect(configuration.secretKey == "sixteen-or-more-characters")
        #expect(throws: ConfigurationError.self) { try configuration.set("secret_key", "short") }
    }

    @Test func badValuesAreExplained() {
        var configuration = Configuration()
        for (key, value) in [("listen", "5000"), ("listen", "host:99999"), ("upload_max_age", "soon"), ("max_blob_size", "-1"),
                             ("log_level", "loud"), ("log_format", "xml"), ("colour", "blue")] {
            #expect(throws: ConfigurationError.self, "\(key)=\(value)") { try configuration.set(key, value) }
        }
        #expect(throws: ConfigurationError.self) { try configuration.apply(yaml: "- a list") }
        #expect(configuration == Configuration())
    }
}
