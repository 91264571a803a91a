import BerthAuth
@testable import BerthMetadata
import Foundation
import NIOHTTP1
import OCI
import Testing

/// The web UI over HTTP, as a browser uses it: redirects, cookies, forms.
/// (`browser-check.py` drives a real Chromium through the same pages.)
@Suite("Web UI")
struct WebUITests {
    @Test func anonymousVisitorsSignInAndComeBack() async throws {
        let (registry, _) = try await AuthTests.start()
        let browser = TestBrowser(registry)
        let root = try await browser.get("/")
        #expect(root.status == 303 && root.header("Location") == "/login")
        let page = try await browser.get("/repositories/team/app?after=x")
        #expect(page.status == 303)
        #expect(page.header("Location") == "/login?next=%2Frepositories%2Fteam%2Fapp%3Fafter%3Dx")
        let login = try await browser.get("/login?next=/projects/open")
        #expect(login.status == 200)
        #expect(login.text.contains("<title>Sign in · Berth</title>"))
        #expect(login.text.contains(#"name="username""#) && login.text.contains(#"name="password""#))
        #expect(browser.cookies["berth_login"] != nil)
        let csp = try #require(login.header("Content-Security-Policy"))
        #expect(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"))

        // A wrong password, a form without the login cookie's token, then the right one.
        let wrong = try await browser.post(
            "/login", [("username", "dev"), ("password", "nope"), ("next", "/projects/open"), ("csrf", try TestBrowser.csrf(in: login))])
        #expect(wrong.status == 401 && wrong.text.contains("Invalid username or password"))
        #expect(try await browser.post("/login", [("username", "dev"), ("password", "dev-pw"), ("csrf", "0")]).status == 403)
        let signedIn = try await browser.signIn("dev", "dev-pw", next: "/projects/open")
        #expect(signedIn.status == 303 && signedIn.header("Location") == "/projects/open")
        let cookie = try #require(signedIn.headers[canonicalForm: "Set-Cookie"].first { $0.hasPrefix("berth_session=") })
        #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && !cookie.contains("Secure"))
        #expect(try await browser.get("/").header("Location") == "/projects")
        // Another site's address is never where a sign-in leads.
        let elsewhere = TestBrowser(registry)
        #expect(try await elsewhere.signIn("dev", "dev-pw", next: "//evil.example/x").header("Location") == "/projects")

        // Robots sign in to the registry, not to the UI.
        let robot = TestBrowser(registry)
        #expect(try await robot.signIn("robot$team+ci", "whatever").status == 401)
        try await registry.stop()
    }

    @Test func pagesShowWhatTheUserMaySee() async throws {
        let (registry, accounts) = try await AuthTests.start()
        let (_, digest) = try await registry.pushImage("team/app", tag: "v1", headers: [AuthTests.basic("admin")])
        _ = try await registry.pushImage("open/tools", tag: "stable", headers: [AuthTests.basic("admin")])
        try await accounts.createProject(Project(name: "hidden", isPublic: false))
        _ = try await registry.pushImage("hidden/secret", tag: "v1", headers: [AuthTests.basic("admin")])
        let dev = TestBrowser(registry)
        try await dev.signIn("dev", "dev-pw")

        let projects = try await dev.get("/projects")
        #expect(projects.status == 200 && projects.text.contains("<title>Projects · Berth</title>"))
        #expect(projects.text.contains(#"href="/projects/team""#) && projects.text.contains(#"href="/projects/open""#))
        #expect(!projects.text.contains("/projects/hidden"))
        let project = try await dev.get("/projects/team")
        #expect(project.status == 200 && project.text.contains(#"href="/repositories/team/app""#), "\(project.text)")
        #expect(project.text.contains("<title>Project team · Berth</title>"))

        let repository = try await dev.get("/repositories/team/app")
        #expect(repository.status == 200 && repository.text.contains("v1"))
        let short = "sha256:" + digest.hex.prefix(12)
        #expect(repository.text.contains(short) && repository.text.contains(#"title="\#(digest)""#))
        #expect(repository.text.contains(#"data-copy="127.0.0.1:\#(registry.port)/team/app@\#(digest)""#))

        let artifact = try await dev.get("/repositories/team/app/artifacts/\(digest)")
        #expect(artifact.status == 200, "\(artifact.text)")
        #expect(artifact.text.contains("docker pull 127.0.0.1:\(registry.port)/team/app:v1"))
        #expect(artifact.text.contains("skopeo copy docker://127.0.0.1:\(registry.port)/team/app@\(digest)"))
        #expect(artifact.text.contains("Layers") && artifact.text.contains("application/vnd.oci.image.layer.v1.tar"))

        // Private is the same as missing; a missing artifact is missing too.
        for path in ["/projects/hidden", "/repositories/hidden/secret", "/repositories/team/nothing",
                     "/repositories/team/app/artifacts/sha256:\(String(repeating: "0", count: 64))"] {
            let refused = try await dev.get(path)
            #expect(refused.status == 404, "\(path)")
            #expect(refused.text.contains("<title>Not found · Berth</title>"), "\(path)")
        }
        // An administrator sees it.
        let admin = TestBrowser(registry)
        try await admin.signIn("admin", AuthTests.adminPassword)
        #expect(try await admin.get("/projects/hidden").status == 200)

        let search = try await dev.get("/search?q=app")
        #expect(search.status == 200 && search.text.contains(#"href="/repositories/team/app""#) && !search.text.contains("hidden/secret"))
        let tags = try await dev.get("/search?q=stab")
        #expect(tags.text.contains("open/tools:stable"))
        let suggestions = try await dev.get("/search/suggestions?q=tool")
        #expect(suggestions.header("Content-Type") == "application/json" && suggestions.text.contains("open/tools"))
        #expect(!(try await dev.get("/search/suggestions?q=secret")).text.contains("hidden"))
        #expect(try await dev.get("/search?q=%25").status == 200)

        // An empty repository list says what to do next.
        try await accounts.createProject(Project(name: "fresh", isPublic: true))
        #expect(try await dev.get("/projects/fresh").text.contains("docker push 127.0.0.1:\(registry.port)/fresh/app:latest"))
        try await registry.stop()
    }

    @Test func formsNeedTheSessionsTokenAndSignOutEndsTheSession() async throws {
        let (registry, accounts) = try await AuthTests.start()
        let admin = TestBrowser(registry)
        try await admin.signIn("admin", AuthTests.adminPassword)
        let page = try await admin.get("/projects")
        let csrf = try TestBrowser.csrf(in: page)
        #expect(page.text.contains(#"action="/projects""#) && page.text.contains(#"name="public""#))
        let forged = try await admin.post("/projects", [("name", "forged"), ("csrf", String(repeating: "0", count: csrf.count))])
        #expect(forged.status == 403)
        #expect(try await accounts.project(named: "forged") == nil)
        let created = try await admin.post("/projects", [("name", "made"), ("public", "true"), ("csrf", csrf)])
        #expect(created.status == 303 && created.header("Location") == "/projects/made")
        #expect(try await accounts.project(named: "made")?.isPublic == true)
        let invalid = try await admin.post("/projects", [("name", "Bad Name"), ("csrf", csrf)])
        #expect(invalid.status == 400)

        // A guest cannot create projects: no form, and a refusal if posted anyway.
        let guest = TestBrowser(registry)
        try await guest.signIn("guest", "guest-pw")
        let guestPage = try await guest.get("/projects")
        #expect(!guestPage.text.contains(#"action="/projects""#))
        #expect(try await guest.post("/projects", [("name", "mine"), ("csrf", try TestBrowser.csrf(in: guestPage))]).status == 403)

        // Signing out needs the token too, then the old cookie opens nothing.
        let session = try #require(admin.cookies["berth_session"])
        #expect(try await admin.post("/logout", [("csrf", "0")]).status == 403)
        let out = try await admin.post("/logout", [("csrf", csrf)])
        #expect(out.status == 303 && out.header("Location") == "/login")
        #expect(admin.cookies["berth_session"] == nil)
        let replay = TestBrowser(registry)
        replay.remember("berth_session", session)
        #expect(try await replay.get("/projects").status == 303)
        // A session cookie opens nothing on the API (a browser sends it by itself: CSRF).
        let fresh = TestBrowser(registry)
        try await fresh.signIn("admin", AuthTests.adminPassword)
        let api = try await fresh.get("/api/v1/projects")
        #expect(api.status == 401)
        try await registry.stop()
    }

    @Test func maintainersDeleteTagsAndArtifactsFromThePages() async throws {
        let (registry, _) = try await AuthTests.start()
        let admin = [AuthTests.basic("admin")]
        let (_, first) = try await registry.pushImage("team/app", tag: "v1", headers: admin)
        let (_, second) = try await registry.pushImage("team/app", tag: "v2", headers: admin)
        let dev = TestBrowser(registry)
        try await dev.signIn("dev", "dev-pw")
        let devPage = try await dev.get("/repositories/team/app/artifacts/\(first)")
        #expect(devPage.text.contains("linux/amd64"), "the config's platform")
        #expect(!devPage.text.contains("delete-tag") && !devPage.text.contains("delete-artifact"))
        let refused = try await dev.post(
            "/repositories/team/app", [("action", "delete-tag"), ("tag", "v1"), ("csrf", try TestBrowser.csrf(in: devPage))])
        #expect(refused.status == 403)

        let maint = TestBrowser(registry)
        try await maint.signIn("maint", "maint-pw")
        // Newest first, or by tag name.
        let newest = try await maint.get("/repositories/team/app").text
        let byTag = try await maint.get("/repositories/team/app?sort=tag").text
        func position(_ text: String, _ digest: Digest) -> Int {
            text.range(of: String(digest.hex.prefix(12))).map { text.distance(from: text.startIndex, to: $0.lowerBound) } ?? -1
        }
        #expect(position(newest, second) < position(newest, first) && position(byTag, first) < position(byTag, second))
        #expect(try await maint.get("/repositories/team/app?sort=tag&after=v1").text.contains(second.hex.prefix(12)))
        #expect(!(try await maint.get("/repositories/team/app?sort=tag&after=v1").text).contains(first.hex.prefix(12)))
        // The tag filter is the server's, across every page of the repository.
        let filtered = try await maint.get("/repositories/team/app?tag=2")
        #expect(filtered.text.contains(second.hex.prefix(12)) && !filtered.text.contains(first.hex.prefix(12)))
        #expect(try await maint.get("/repositories/team/app?tag=zz").text.contains("No artifact has a tag containing"))
        #expect(try await registry.request(.GET, "/api/v1/projects/team/repositories/app/artifacts?tag=v1", headers: admin).text
            .contains(first.description))
        let page = try await maint.get("/repositories/team/app/artifacts/\(first)")
        #expect(page.text.contains("delete-tag") && page.text.contains("data-confirm"))
        let csrf = try TestBrowser.csrf(in: page)
        let untagged = try await maint.post("/repositories/team/app", [("action", "delete-tag"), ("tag", "v1"), ("csrf", csrf)])
        #expect(untagged.status == 303 && untagged.header("Location") == "/repositories/team/app?done=tag-deleted")
        #expect(try await maint.get("/repositories/team/app?done=tag-deleted").text.contains("The tag was deleted."))
        let tags = try await registry.request(.GET, "/v2/team/app/tags/list", headers: admin).text
        #expect(!tags.contains("v1") && tags.contains("v2"), "\(tags)")
        #expect(try await registry.request(.HEAD, "/v2/team/app/manifests/\(first)", headers: admin).status == 200, "the artifact stays")
        let deleted = try await maint.post(
            "/repositories/team/app", [("action", "delete-artifact"), ("digest", second.description), ("csrf", csrf)])
        #expect(deleted.status == 303)
        #expect(try await registry.request(.HEAD, "/v2/team/app/manifests/\(second)", headers: admin).status == 404)
        #expect(try await maint.post("/repositories/team/app", [("action", "delete-artifact"), ("digest", "nope"), ("csrf", csrf)]).status == 400)
        try await registry.stop()
    }

    @Test func projectAdminsManageMembersAndRobotsAndReadTheAuditLog() async throws {
        let (registry, accounts) = try await AuthTests.start()
        try await accounts.setMember("maint", of: "team", role: .projectAdmin)
        let dev = TestBrowser(registry)
        try await dev.signIn("dev", "dev-pw")
        let members = try await dev.get("/projects/team/members")
        #expect(members.status == 200 && members.text.contains("maint") && !members.text.contains("Add a member"))
        #expect(!members.text.contains("/projects/team/robots"), "no tab for what a developer cannot open")
        #expect(try await dev.get("/projects/team/robots").status == 403)
        #expect(try await dev.get("/projects/team/audit").status == 403)

        let boss = TestBrowser(registry)
        try await boss.signIn("maint", "maint-pw")
        let page = try await boss.get("/projects/team/members")
        #expect(page.text.contains("Add a member") && page.text.contains(#"href="/projects/team/robots""#))
        let csrf = try TestBrowser.csrf(in: page)
        #expect(try await boss.post("/projects/team/members", [("action", "set"), ("user", "outsider"), ("role", "guest"), ("csrf", csrf)]).status == 303)
        #expect(try await accounts.role(of: "outsider", in: "team") == .guest)
        #expect(try await boss.post("/projects/team/members", [("action", "set"), ("user", "outsider"), ("role", "developer"), ("csrf", csrf)]).status == 303)
        #expect(try await accounts.role(of: "outsider", in: "team") == .developer)
        #expect(try await boss.post("/projects/team/members", [("action", "set"), ("user", "outsider"), ("role", "king"), ("csrf", csrf)]).status == 400)
        #expect(try await boss.post("/projects/team/members", [("action", "remove"), ("user", "outsider"), ("csrf", csrf)]).status == 303)
        #expect(try await accounts.role(of: "outsider", in: "team") == nil)

        // A robot's secret is shown once, in the answer to the form, and signs in to the registry.
        let created = try await boss.post(
            "/projects/team/robots", [("action", "create"), ("name", "ci"), ("pull", "on"), ("push", "on"), ("expires_in_days", "30"), ("csrf", csrf)])
        #expect(created.status == 200 && created.text.contains("shown this once"))
        let secret = try #require(created.text.range(of: #"id="robot-secret">([A-Za-z0-9]+)<"#, options: .regularExpression).map {
            String(created.text[$0].split(separator: ">")[1].dropLast())
        })
        #expect(try await registry.request(.GET, "/v2/", headers: [AuthTests.basic("robot$team+ci", secret)]).status == 200)
        let listing = try await boss.get("/projects/team/robots")
        #expect(listing.text.contains("robot$team+ci") && listing.text.contains("pull, push") && !listing.text.contains(secret))
        #expect(try await boss.post("/projects/team/robots", [("action", "disable"), ("name", "ci"), ("csrf", csrf)]).status == 303)
        #expect(try await accounts.robot(named: "robot$team+ci")?.isDisabled == true)
        #expect(try await boss.post("/projects/team/robots", [("action", "create"), ("name", "x"), ("expires_in_days", "-1"), ("csrf", csrf)]).status == 400)
        #expect(try await boss.post("/projects/team/robots", [("action", "delete"), ("name", "ci"), ("csrf", csrf)]).status == 303)
        #expect(try await accounts.robot(named: "robot$team+ci") == nil)

        // The changes are in the project's audit log, newest first.
        var audit = try await boss.get("/projects/team/audit")
        for _ in 0..<60 where !audit.text.contains("robots/ci") {
            try await Task.sleep(for: .milliseconds(250))
            audit = try await boss.get("/projects/team/audit")
        }
        #expect(audit.status == 200 && audit.text.contains("robots/ci") && audit.text.contains("maint"), "\(audit.text)")
        #expect(try await boss.get("/projects/team/audit?before=x").status == 400)
        try await registry.stop()
    }

    @Test func policiesShowAndChangeFromTheirPage() async throws {
        let (registry, accounts) = try await AuthTests.start()
        let admin = [AuthTests.basic("admin")]
        let (_, first) = try await registry.pushImage("team/app", tag: "v1", headers: admin)
        _ = try await registry.pushImage("team/app", tag: "v2", headers: admin)
        try await accounts.setMember("boss", of: "team", role: .projectAdmin)
        try await accounts.createUser(User(name: "boss", email: "", passwordHash: PasswordHasher(cost: 4).hash("boss-pw"), isAdmin: false))
        let retention = try await registry.request(
            .PUT, "/api/v1/projects/team/retention", headers: admin + [("Content-Type", "application/json")],
            body: Content.json(["rules": [["repositories": "**", "tags": "v*", "keep": "most_recently_pushed", "count": 1]]]))
        #expect(retention.status == 200, "\(retention.text)")

        let maint = TestBrowser(registry)
        try await maint.signIn("maint", "maint-pw")
        let page = try await maint.get("/projects/team/policies")
        #expect(page.status == 200 && page.text.contains("most_recently_pushed") && page.text.contains("Add rule"))
        #expect(!page.text.contains("Preview (dry run)") && !page.text.contains("Set quota"), "ProjectAdmins preview; administrators set quotas")
        let csrf = try TestBrowser.csrf(in: page)
        #expect(try await maint.post(
            "/projects/team/policies", [("action", "add-immutability"), ("repository", "**"), ("tag", "v1"), ("csrf", csrf)]).status == 303)
        // The rule holds: the tag cannot be deleted from the repository page either.
        let refused = try await maint.post("/repositories/team/app", [("action", "delete-tag"), ("tag", "v1"), ("csrf", csrf)])
        #expect(refused.status == 403 && refused.text.contains("immutable"), "\(refused.text)")

        let boss = TestBrowser(registry)
        try await boss.signIn("boss", "boss-pw")
        let bossPage = try await boss.get("/projects/team/policies")
        let preview = try await boss.post("/projects/team/policies", [("action", "retention-dry-run"), ("csrf", try TestBrowser.csrf(in: bossPage))])
        #expect(preview.status == 200 && preview.text.contains("Retention dry run") && preview.text.contains("kept by an immutable tag"))
        #expect(preview.text.contains(first.hex.prefix(12)), "v1 is the older one, kept by its rule: \(preview.text)")
        #expect(try await registry.request(.HEAD, "/v2/team/app/manifests/v2", headers: admin).status == 200, "a dry run deletes nothing")

        let root = TestBrowser(registry)
        try await root.signIn("admin", AuthTests.adminPassword)
        let rootCSRF = try TestBrowser.csrf(in: try await root.get("/projects/team/policies"))
        #expect(try await root.post("/projects/team/policies", [("action", "quota"), ("quota_gib", "1.5"), ("csrf", rootCSRF)]).status == 303)
        #expect(try await accounts.project(named: "team")?.quotaBytes == 1_610_612_736)
        #expect(try await root.post("/projects/team/policies", [("action", "quota"), ("quota_gib", "-1"), ("csrf", rootCSRF)]).status == 400)
        #expect(try await root.post("/projects/team/policies", [("action", "quota"), ("quota_gib", ""), ("csrf", rootCSRF)]).status == 303)
        #expect(try await accounts.project(named: "team")?.quotaBytes == nil)
        try await registry.stop()
    }

    @Test func administratorsManageUsersAndCollectGarbage() async throws {
        let (registry, accounts) = try await AuthTests.start()
        let dev = TestBrowser(registry)
        try await dev.signIn("dev", "dev-pw")
        #expect(!(try await dev.get("/projects")).text.contains(#"href="/admin""#))
        for path in ["/admin", "/admin/users", "/admin/gc"] { #expect(try await dev.get(path).status == 403, "\(path)") }

        let admin = TestBrowser(registry)
        try await admin.signIn("admin", AuthTests.adminPassword)
        let system = try await admin.get("/admin")
        #expect(system.status == 200 && (system.text.contains("SQLite") || system.text.contains("PostgreSQL")))
        let users = try await admin.get("/admin/users")
        #expect(users.text.contains("outsider") && users.text.contains("New user"))
        let csrf = try TestBrowser.csrf(in: users)
        #expect(try await admin.post(
            "/admin/users", [("action", "create"), ("name", "newbie"), ("password", "newbie-password"), ("email", "n@example.test"), ("csrf", csrf)]
        ).status == 303)
        #expect(try await admin.post("/admin/users", [("action", "create"), ("name", "short"), ("password", "x"), ("csrf", csrf)]).status == 400)
        let newbie = TestBrowser(registry)
        #expect(try await newbie.signIn("newbie", "newbie-password").status == 303)
        #expect(try await admin.post("/admin/users", [("action", "make-admin"), ("name", "newbie"), ("csrf", csrf)]).status == 303)
        #expect(try await accounts.user(named: "newbie")?.isAdmin == true)
        #expect(try await newbie.get("/admin").status == 200, "an administrator on the next request")
        // A reset password signs the user out of every session.
        #expect(try await admin.post("/admin/users", [("action", "password"), ("name", "newbie"), ("password", "another-password"), ("csrf", csrf)]).status == 303)
        #expect(try await newbie.get("/projects").status == 303)
        #expect(try await TestBrowser(registry).signIn("newbie", "another-password").status == 303)
        #expect(try await admin.post("/admin/users", [("action", "disable"), ("name", "newbie"), ("csrf", csrf)]).status == 303)
        #expect(try await TestBrowser(registry).signIn("newbie", "another-password").status == 401)

        #expect(try await admin.post("/admin/gc", [("action", "dry-run"), ("csrf", csrf)]).status == 303)
        let runs = try await admin.get("/admin/gc")
        #expect(runs.text.contains("dry run") && runs.text.contains("succeeded"), "\(runs.text)")
        try await registry.stop()
    }

    @Test func failedSignInsAreThrottledWithTheAPIs() async throws {
        let (registry, _) = try await AuthTests.start()
        let browser = TestBrowser(registry)
        // Each answer is the form again, with a fresh token: no page load between attempts. Refusals for
        // now (429) are waited out until 8 failures count, after which the next 8 s are refused whatever the load.
        var form = try await browser.get("/login")
        var statuses: [Int] = []
        for _ in 0..<80 where statuses.filter({ $0 == 401 }).count < 8 {
            form = try await browser.post("/login", [("username", "dev"), ("password", "wrong"), ("csrf", try TestBrowser.csrf(in: form))])
            statuses.append(form.status)
            if form.status == 429 { try await Task.sleep(for: .milliseconds(500)) }
        }
        #expect(statuses.prefix(5) == [401, 401, 401, 401, 401] && statuses.contains(429), "\(statuses)")
        let refused = try await browser.post("/login", [("username", "dev"), ("password", "dev-pw"), ("csrf", try TestBrowser.csrf(in: form))])
        #expect(refused.status == 429 && refused.text.contains("too many failed sign-ins"), "even the right password waits")
        // The API answers the same user from the same address with the same refusal.
        #expect(try await registry.request(.GET, "/api/v1/users/me", headers: [AuthTests.basic("dev")]).status == 429)
        try await registry.stop()
    }

    @Test func scannedArtifactsShowTheirVulnerabilitiesAndReferrers() async throws {
        let (registry, _) = try await AuthTests.start { $0.scanOnPush = true }
        let admin = [AuthTests.basic("admin")]
        let zip = try await VulnerabilityDatabaseTests.archive(VulnerabilityDatabaseTests.records, in: TestRegistry.temporaryFolder() + "-osv")
        #expect(try await registry.request(
            .POST, "/api/v1/vulndb", headers: admin + [("Content-Type", "application/zip")],
            body: Array(try Data(contentsOf: URL(fileURLWithPath: zip)))).status == 200)
        let layer = try await ScanningTests.layer([
            "usr/lib/os-release": "ID=debian\nVERSION_ID=\"12\"\n", "var/lib/dpkg/status": ScanningTests.dpkgStatus,
        ])
        let digest = try await ScanningTests.pushImage(registry, "team/app", tag: "v1", layers: [layer])
        _ = try await ScanningTests.report(registry, "team/app", digest, until: ["done", "failed"])
        let browser = TestBrowser(registry)
        try await browser.signIn("dev", "dev-pw")
        let listing = try await browser.get("/repositories/team/app")
        #expect(listing.text.contains("sev-critical"), "the severity counts of the scan: \(listing.text)")
        // The scan's SBOMs are referrers of the artifact.
        #expect(listing.text.contains(#"<td class="number">2"#), "two SBOMs refer to it")
        let page = try await browser.get("/repositories/team/app/artifacts/\(digest)")
        #expect(page.text.contains("DEBIAN-CVE-2024-0001") && page.text.contains("libssl3") && page.text.contains("3.0.13-1~deb12u1"))
        #expect(page.text.contains("application/vnd.cyclonedx+json") && page.text.contains("application/spdx+json"), "the SBOMs among its referrers")
        #expect(page.text.contains("Not signed"))
        try await registry.stop()
    }

    /// What pushers and users write is shown as text, never as markup.
    @Test func everyUserSuppliedStringIsEscaped() async throws {
        let (registry, accounts) = try await AuthTests.start()
        let admin = [AuthTests.basic("admin")]
        let attack = #"<script>alert(1)</script>"><img src=x onerror=alert(2)>"#
        let config = Content.json([
            "architecture": "amd64", "os": attack, "config": ["Labels": [attack: attack], "Env": ["X=" + attack], "Entrypoint": [attack]],
            "history": [["created_by": attack]],
        ])
        let layer = Content.randomBytes(100)
        try await registry.pushBlob("team/app", config, headers: admin)
        try await registry.pushBlob("team/app", layer, headers: admin)
        let manifest = Content.imageManifest(config: config, layers: [layer], extra: ["annotations": [attack: attack]])
        let digest = try await registry.pushManifest("team/app", "v1", manifest, headers: admin)
        try await accounts.createUser(User(name: "o'brien", email: attack, passwordHash: PasswordHasher(cost: 4).hash("quote-pw-1"), isAdmin: false))
        let browser = TestBrowser(registry)
        try await browser.signIn("admin", AuthTests.adminPassword)
        for path in ["/repositories/team/app/artifacts/\(digest)", "/admin/users", "/search?q=\(attack.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)",
                     "/login?next=\(attack.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"] {
            let page = try await browser.get(path)
            #expect(page.status == 200 || page.status == 303, "\(path): \(page.status)")
            #expect(!page.text.contains("<script>alert") && !page.text.contains("<img src=x"), "\(path)")
        }
        let artifact = try await browser.get("/repositories/team/app/artifacts/\(digest)")
        #expect(artifact.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "the label, env, entrypoint and history are shown, escaped")
        #expect(try await browser.get("/admin/users").text.contains("o&#39;brien"))
        try await registry.stop()
    }

    /// Each page as each role: what the role may see answers 200, a page of a
    /// project it may not see 404 (as a missing one), a page it may see but
    /// not use 403.
    @Test func pagesFollowTheRoleMatrix() async throws {
        let (registry, accounts) = try await AuthTests.start()
        try await accounts.createUser(User(name: "boss", email: "", passwordHash: PasswordHasher(cost: 4).hash("boss-pw"), isAdmin: false))
        try await accounts.setMember("boss", of: "team", role: .projectAdmin)
        let (_, digest) = try await registry.pushImage("team/app", tag: "v1", headers: [AuthTests.basic("admin")])
        let roles: [(user: String, password: String)] = [
            ("outsider", "outsider-pw"), ("guest", "guest-pw"), ("dev", "dev-pw"), ("maint", "maint-pw"), ("boss", "boss-pw"),
            ("admin", AuthTests.adminPassword),
        ]
        // Expected status per role, in the order above.
        let matrix: [(String, [Int])] = [
            ("/projects", [200, 200, 200, 200, 200, 200]),
            ("/projects/team", [404, 200, 200, 200, 200, 200]),
            ("/projects/team/members", [404, 200, 200, 200, 200, 200]),
            ("/projects/team/policies", [404, 200, 200, 200, 200, 200]),
            ("/projects/team/robots", [404, 403, 403, 403, 200, 200]),
            ("/projects/team/audit", [404, 403, 403, 403, 200, 200]),
            ("/repositories/team/app", [404, 200, 200, 200, 200, 200]),
            ("/repositories/team/app/artifacts/\(digest)", [404, 200, 200, 200, 200, 200]),
            ("/projects/open", [200, 200, 200, 200, 200, 200]),
            ("/admin", [403, 403, 403, 403, 403, 200]),
            ("/admin/users", [403, 403, 403, 403, 403, 200]),
            ("/admin/gc", [403, 403, 403, 403, 403, 200]),
            ("/admin/registries", [403, 403, 403, 403, 403, 200]),
        ]
        for (index, role) in roles.enumerated() {
            let browser = TestBrowser(registry)
            #expect(try await browser.signIn(role.user, role.password).status == 303, "\(role.user) signs in")
            for (path, expected) in matrix {
                let status = try await browser.get(path).status
                #expect(status == expected[index], "\(path) as \(role.user): \(status)")
            }
        }
        try await registry.stop()
    }

    @Test func sessionsEndWhenIdleOrWhenTheUserIsDisabled() async throws {
        let (registry, accounts) = try await AuthTests.start()
        // The database as another node sees it: sessions are moved back in time there, rather than waited for.
        let backend = try await TestBackends.openBackend(registry.dataFolder)
        func age(_ column: String, by seconds: Int64) async throws {
            try await backend.transaction(durable: true) { db in
                try db.execute("UPDATE web_sessions SET \(column) = \(column) - ?", [.integer(seconds * 1000)])
            }
        }
        let dev = TestBrowser(registry)
        try await dev.signIn("dev", "dev-pw")
        #expect(try await dev.get("/projects").status == 200)
        // Margins of minutes: a loaded machine may take seconds between these lines.
        try await age("seen_at", by: 3300)
        #expect(try await dev.get("/projects").status == 200, "used within the hour: kept, and seen again")
        try await age("seen_at", by: 3700)
        #expect(try await dev.get("/projects").status == 303, "an hour without a request ends it")

        let busy = TestBrowser(registry)
        try await busy.signIn("guest", "guest-pw")
        try await age("created_at", by: 12 * 3600 + 300)
        #expect(try await busy.get("/projects").status == 303, "twelve hours after sign-in it ends, used or not")

        let maint = TestBrowser(registry)
        try await maint.signIn("maint", "maint-pw")
        #expect(try await maint.get("/projects").status == 200)
        var user = try #require(try await accounts.user(named: "maint"))
        user.isDisabled = true
        _ = try await accounts.updateUser(user)
        #expect(try await maint.get("/projects").status == 303)
        try await backend.close()
        try await registry.stop()
    }

    @Test func assetsAreNamedByTheirContentAndKeptForever() async throws {
        let (registry, _) = try await AuthTests.start()
        let login = try await TestBrowser(registry).get("/login")
        let css = try #require(login.text.range(of: #"/assets/berth\.[0-9a-f]{12}\.css"#, options: .regularExpression))
        let js = try #require(login.text.range(of: #"/assets/berth\.[0-9a-f]{12}\.js"#, options: .regularExpression))
        for path in [String(login.text[css]), String(login.text[js])] {
            let asset = try await registry.request(.GET, path)
            #expect(asset.status == 200 && asset.header("Cache-Control") == "public, max-age=31536000, immutable", "\(path)")
        }
        #expect(try await registry.request(.GET, "/assets/berth.000000000000.css").status == 404)
        let unknown = try await registry.request(.GET, "/no/such/page")
        #expect(unknown.status == 404 && unknown.header("Content-Type")?.hasPrefix("text/html") == true)
        try await registry.stop()
    }
}
