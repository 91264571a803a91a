import Foundation
import NIOHTTP1
import OCI
import Testing

/// `berth migrate` from the embedded backends into S3 + PostgreSQL, on a
/// real store, then a registry on the target serves everything.
@Suite("Migrating to S3 + PostgreSQL", .enabled(if: TestBackends.shared, "needs BERTH_TEST_BACKENDS=s3-postgres"))
struct MigrationTests {
    @Test func copiesVerifiesAndResumes() async throws {
        // An embedded registry (its own data folder, SQLite and files), with images, an index and a referrer.
        let source = TestRegistry.temporaryFolder()
        let process = try await BerthProcess.start(dataFolder: source)
        var images: [(String, [UInt8])] = []
        for (repository, tag) in [("team/app", "v1"), ("team/app", "v2"), ("tools/cli", "1.0")] {
            images.append(("/v2/\(repository)/manifests/\(tag)", try await process.pushImage(repository, tag: tag, layerCount: 3).manifest))
        }
        let child = try await process.pushImage("team/multi", tag: "tmp")
        let index = Content.index([(child.manifest, "linux/amd64")])
        try await process.pushManifest("team/multi", "latest", index, type: MediaType.ociIndex)
        images.append(("/v2/team/multi/manifests/latest", index))
        let big = Content.randomBytes(7 << 20)
        try await process.pushBlob("team/app", big)

        let target = TestRegistry.temporaryFolder()
        let config = try await TestBackends.configFile(target)
        let migrate = [BerthProcess.executable, "migrate", "--from-data", source, "--to-config", config[1]]
        let first = try await runCommand(migrate)
        #expect(first.status == 0, "\(first.output)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(first.output.utf8)) as? [String: Any])
        #expect(report["blobs_copied"] as? Int == 16)  // 3 × (config + 3 layers), the child (config + 2 layers), the big one
        #expect((report["rows"] as? [String: Int])?["manifests"] == 5)

        // Pushed while the first copy ran: the second run catches up, copying only what is new.
        let late = try await process.pushImage("team/app", tag: "v3")
        images.append(("/v2/team/app/manifests/v3", late.manifest))
        process.signal(SIGTERM)
        _ = try await process.waitForExit()
        let second = try await runCommand(migrate)
        #expect(second.status == 0, "\(second.output)")
        let again = try #require(try JSONSerialization.jsonObject(with: Data(second.output.utf8)) as? [String: Any])
        #expect(again["blobs_copied"] as? Int == 3 && again["blobs_already_there"] as? Int == 16)

        let registry = try await TestRegistry.start(dataFolder: target)
        for (path, manifest) in images {
            #expect(try await registry.request(.GET, path).body == manifest, "\(path)")
        }
        #expect(try await registry.request(.GET, "/v2/team/app/blobs/\(Content.digest(big))").body == big)
        #expect(try await registry.request(.HEAD, "/v2/team/multi/manifests/\(child.digest)").status == 200)
        #expect(try await registry.request(.GET, "/v2/_catalog").text.contains("tools/cli"))
        try await registry.stop()
    }
}
