import Foundation
import Testing

/// The web UI in a real browser: `Support/browser-check.py` drives Debian's
/// Chromium through chromedriver (Selenium) and runs axe-core on each page.
@Suite("Web UI in a browser")
struct WebUIBrowserTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Support/browser-check.py").path

    /// Chromium, chromedriver, Selenium and axe-core, or CI (which installs them, so that a missing one fails rather than skips).
    static let installed =
        ProcessInfo.processInfo.environment["CI"] != nil
        || (isInstalled("chromium") && isInstalled("chromedriver")
            && (try? runCommandSync(["/usr/bin/python3", "-c", "import selenium, axe_core_python"])) == 0)

    @Test(.enabled(if: installed, "needs chromium, chromedriver, python3-selenium and axe-core-python"), .timeLimit(.minutes(3)))
    func aPersonWalksThroughThePages() async throws {
        let (registry, _) = try await AuthTests.start()
        let admin = [AuthTests.basic("admin")]
        for tag in ["v1", "v2", "latest"] { _ = try await registry.pushImage("team/app", tag: tag, headers: admin) }
        _ = try await registry.pushImage("team/worker", tag: "stable", headers: admin)
        let (status, output) = try await runCommand(["/usr/bin/python3", Self.script, registry.base, "dev", "dev-pw", "team/app"])
        #expect(status == 0, "\(output)")
        #expect(output.contains("checked artifact") && output.contains("checked search"), "\(output)")
        try await registry.stop()
    }
}
