import Foundation
import OCI
import Testing

/// The web UI in a real browser: `Support/browser-check.py` drives Debian's
/// Chromium through chromedriver (Selenium) and runs axe-core on each page.
/// Its screenshots are kept in `.build/ui-screenshots/` (look at them).
@Suite("Web UI in a browser")
struct WebUIBrowserTests {
    static let support = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Support")
    static let script = support.appendingPathComponent("browser-check.py").path
    static let screenshots = support.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/ui-screenshots").path

    /// Chromium, chromedriver, Selenium, axe-core and skopeo, or CI (which installs them, so that a missing one fails rather than skips).
    static let installed =
        ProcessInfo.processInfo.environment["CI"] != nil
        || (isInstalled("chromium") && isInstalled("chromedriver") && isInstalled("skopeo")
            && (try? runCommandSync(["/usr/bin/python3", "-c", "import selenium, axe_core_python"])) == 0)

    @Test(.enabled(if: installed, "needs chromium, chromedriver, python3-selenium, axe-core-python and skopeo"), .timeLimit(.minutes(5)))
    func aScenarioFromSignInToSignOut() async throws {
        let (registry, _) = try await AuthTests.start()
        try? FileManager.default.removeItem(atPath: Self.screenshots)
        try FileManager.default.createDirectory(atPath: Self.screenshots, withIntermediateDirectories: true)
        let environment = ["BERTH_UI_SCREENSHOTS": Self.screenshots]

        // The administrator makes the project, a member and a robot in the browser…
        let setup = try await runCommand(["/usr/bin/python3", Self.script, registry.base, "setup", AuthTests.adminPassword], environment: environment)
        #expect(setup.status == 0, "\(setup.output)")
        let secret = try #require(setup.output.split(separator: "\n").first { $0.hasPrefix("ROBOT-SECRET ") }?.dropFirst(13))

        // …whose secret pushes an image (tagged twice) and a two-platform index, with skopeo.
        let work = TestRegistry.temporaryFolder()
        var layout = try OCILayout(path: work + "/source")
        let image = try await layout.image(architecture: "amd64", layerCount: 3)
        try layout.name(image, mediaType: MediaType.ociManifest, as: "image")
        let index = Content.index([
            (try await layout.image(architecture: "amd64", layerCount: 2), "linux/amd64"),
            (try await layout.image(architecture: "arm64", layerCount: 2), "linux/arm64"),
        ])
        try layout.write(index)
        try layout.name(index, mediaType: MediaType.ociIndex, as: "multi")
        let host = "127.0.0.1:\(registry.port)"
        let credentials = "robot$shop+ci:\(secret)"
        for (name, tag, all) in [("image", "1.0", false), ("image", "latest", false), ("multi", "multi", true)] {
            _ = try await SkopeoTests.skopeo(
                ["copy"] + (all ? ["--all"] : []) + ["--dest-tls-verify=false", "--dest-creds", credentials, "oci:\(layout.path):\(name)",
                 "docker://\(host)/shop/app:\(tag)"])
        }

        // …then finds, opens, protects and deletes in the browser, and someone else sees none of it.
        let browse = try await runCommand(["/usr/bin/python3", Self.script, registry.base, "browse", AuthTests.adminPassword], environment: environment)
        #expect(browse.status == 0, "\(browse.output)")
        #expect(browse.output.contains("checked image") && browse.output.contains("checked private project (outsider)"), "\(browse.output)")
        let saved = (try? FileManager.default.contentsOfDirectory(atPath: Self.screenshots)) ?? []
        #expect(saved.count >= 15, "screenshots: \(saved.sorted())")
        try await registry.stop()
    }
}
