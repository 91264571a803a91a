import Foundation
import NIOHTTP1
import OCI
import Testing

@Suite("Blobs: push, pull, ranges, mount, delete")
struct BlobTests {
    @Test func monolithicPostPushesAndPullsBack() async throws {
        let registry = try await TestRegistry.start()
        let bytes = Content.randomBytes(70_000)
        let digest = Content.digest(bytes)
        let pushed = try await registry.request(.POST, "/v2/team/app/blobs/uploads/?digest=\(digest)", body: bytes)
        #expect(pushed.status == 201)
        #expect(pushed.header("Location") == "/v2/team/app/blobs/\(digest)")
        #expect(pushed.header("Docker-Content-Digest") == digest.description)

        let pulled = try await registry.request(.GET, "/v2/team/app/blobs/\(digest)")
        #expect(pulled.status == 200)
        #expect(pulled.body == bytes)
        #expect(pulled.header("Docker-Content-Digest") == digest.description)
        #expect(pulled.header("Content-Type") == "application/octet-stream")

        let head = try await registry.request(.HEAD, "/v2/team/app/blobs/\(digest)")
        #expect(head.status == 200)
        #expect(head.header("Content-Length") == "\(bytes.count)")
        #expect(head.body.isEmpty)
        try await registry.stop()
    }

    @Test func postThenPutWithWholeBody() async throws {
        let registry = try await TestRegistry.start()
        let bytes = Content.randomBytes(5000)
        let location = try await registry.startUpload("team/app")
        let put = try await registry.request(.PUT, withQuery(location, "digest=\(Content.digest(bytes))"), body: bytes)
        #expect(put.status == 201)
        #expect(try await registry.request(.GET, "/v2/team/app/blobs/\(Content.digest(bytes))").body == bytes)
        try await registry.stop()
    }

    @Test func chunkedUploadWithAndWithoutContentRange() async throws {
        let registry = try await TestRegistry.start()
        let bytes = Content.randomBytes(3 * 100_000 + 17)
        let chunks = stride(from: 0, to: bytes.count, by: 100_000).map { Array(bytes[$0..<min($0 + 100_000, bytes.count)]) }
        var location = try await registry.startUpload("team/app")
        var offset = 0
        for (index, chunk) in chunks.enumerated() {
            // Alternate: every other chunk states where it starts.
            let headers = index % 2 == 0
                ? [("Content-Range", "\(offset)-\(offset + chunk.count - 1)"), ("Content-Type", "application/octet-stream")]
                : [("Content-Type", "application/octet-stream")]
            let patched = try await registry.request(.PATCH, location, headers: headers, body: chunk)
            #expect(patched.status == 202)
            offset += chunk.count
            #expect(patched.header("Range") == "0-\(offset - 1)")
            location = try #require(patched.header("Location"))
            let status = try await registry.request(.GET, location)
            #expect(status.status == 204)
            #expect(status.header("Range") == "0-\(offset - 1)")
            #expect(status.header("Docker-Upload-UUID") != nil)
        }
        let done = try await registry.request(.PUT, withQuery(location, "digest=\(Content.digest(bytes))"))
        #expect(done.status == 201)
        #expect(try await registry.request(.GET, "/v2/team/app/blobs/\(Content.digest(bytes))").body == bytes)
        try await registry.stop()
    }

    @Test func finalChunkMayComeWithThePut() async throws {
        let registry = try await TestRegistry.start()
        let bytes = Content.randomBytes(2000)
        let location = try await registry.startUpload("team/app")
        _ = try await registry.request(.PATCH, location, headers: [("Content-Range", "0-999")], body: Array(bytes[..<1000]))
        let done = try await registry.request(
            .PUT, withQuery(location, "digest=\(Content.digest(bytes))"), headers: [("Content-Range", "1000-1999")],
            body: Array(bytes[1000...]))
        #expect(done.status == 201)
        #expect(try await registry.request(.GET, "/v2/team/app/blobs/\(Content.digest(bytes))").body == bytes)
        try await registry.stop()
    }

    @Test func outOfOrderChunkIs416WithTheRealRange() async throws {
        let registry = try await TestRegistry.start()
        let location = try await registry.startUpload("team/app")
        _ = try await registry.request(.PATCH, location, headers: [("Content-Range", "0-9")], body: Content.randomBytes(10))
        let skipped = try await registry.request(.PATCH, location, headers: [("Content-Range", "20-29")], body: Content.randomBytes(10))
        #expect(skipped.status == 416)
        #expect(skipped.header("Range") == "0-9")
        #expect(skipped.header("Location") != nil)
        let malformed = try await registry.request(.PATCH, location, headers: [("Content-Range", "ten-twenty")], body: [1])
        #expect(malformed.status == 416)
        let mismatched = try await registry.request(.PATCH, location, headers: [("Content-Range", "10-19")], body: Content.randomBytes(5))
        #expect(mismatched.status == 416)
        // The upload is intact and continues where it was.
        let next = try await registry.request(.PATCH, location, headers: [("Content-Range", "10-19")], body: Content.randomBytes(10))
        #expect(next.status == 202)
        #expect(next.header("Range") == "0-19")
        try await registry.stop()
    }

    @Test func digestMismatchIsRefusedAndLeavesNothing() async throws {
        let registry = try await TestRegistry.start()
        let bytes = Content.randomBytes(1000)
        let claimed = Content.digest(Content.randomBytes(10))
        let location = try await registry.startUpload("team/app")
        let put = try await registry.request(.PUT, withQuery(location, "digest=\(claimed)"), body: bytes)
        #expect(put.status == 400)
        #expect(put.errorCodes == ["DIGEST_INVALID"])
        #expect(try await registry.request(.HEAD, "/v2/team/app/blobs/\(claimed)").status == 404)
        #expect(try await registry.request(.HEAD, "/v2/team/app/blobs/\(Content.digest(bytes))").status == 404)
        #expect(try await registry.request(.GET, location).errorCodes == ["BLOB_UPLOAD_UNKNOWN"])

        let monolithic = try await registry.request(.POST, "/v2/team/app/blobs/uploads/?digest=\(claimed)", body: bytes)
        #expect(monolithic.errorCodes == ["DIGEST_INVALID"])
        let noDigest = try await registry.request(.PUT, try await registry.startUpload("team/app"), body: bytes)
        #expect(noDigest.status == 400)
        #expect(noDigest.errorCodes == ["DIGEST_INVALID"])
        try await registry.stop()
    }

    @Test func sha512DigestsAreAccepted() async throws {
        let registry = try await TestRegistry.start()
        let bytes = Content.randomBytes(3000)
        let digest = Content.digest(bytes, .sha512)
        let location = try await registry.startUpload("team/app")
        _ = try await registry.request(.PATCH, location, body: bytes)
        let put = try await registry.request(.PUT, withQuery(location, "digest=\(digest)"))
        #expect(put.status == 201)
        let pulled = try await registry.request(.GET, "/v2/team/app/blobs/\(digest)")
        #expect(pulled.body == bytes)
        try await registry.stop()
    }

    @Test func cancelledUploadIsGone() async throws {
        let registry = try await TestRegistry.start()
        let location = try await registry.startUpload("team/app")
        _ = try await registry.request(.PATCH, location, body: Content.randomBytes(100))
        #expect(try await registry.request(.DELETE, location).status == 204)
        let status = try await registry.request(.GET, location)
        #expect(status.status == 404)
        #expect(status.errorCodes == ["BLOB_UPLOAD_UNKNOWN"])
        #expect(try await registry.request(.DELETE, location).status == 404)
        try await registry.stop()
    }

    @Test func uploadsBelongToTheirRepository() async throws {
        let registry = try await TestRegistry.start()
        let location = try await registry.startUpload("team/app")
        let id = try #require(location.split(separator: "/").last)
        let elsewhere = try await registry.request(.GET, "/v2/team/other/blobs/uploads/\(id)")
        #expect(elsewhere.status == 404)
        #expect(elsewhere.errorCodes == ["BLOB_UPLOAD_UNKNOWN"])
        let forged = try await registry.request(.PATCH, "/v2/team/app/blobs/uploads/..%2F..%2Fblobs", body: [1])
        #expect(forged.status == 404)
        try await registry.stop()
    }

    @Test func blobIsReadableOnlyWhereItWasPushedOrMounted() async throws {
        let registry = try await TestRegistry.start()
        let bytes = Content.randomBytes(512)
        let digest = try await registry.pushBlob("team/a", bytes)
        let elsewhere = try await registry.request(.GET, "/v2/team/b/blobs/\(digest)")
        #expect(elsewhere.status == 404)
        #expect(elsewhere.errorCodes == ["BLOB_UNKNOWN"])

        let mounted = try await registry.request(.POST, "/v2/team/b/blobs/uploads/?mount=\(digest)&from=team/a")
        #expect(mounted.status == 201)
        #expect(mounted.header("Location") == "/v2/team/b/blobs/\(digest)")
        #expect(try await registry.request(.GET, "/v2/team/b/blobs/\(digest)").body == bytes)

        // A mount the registry cannot make falls back to a normal upload.
        for from in ["team/none", "BAD!!"] {
            let fallback = try await registry.request(.POST, "/v2/team/c/blobs/uploads/?mount=\(digest)&from=\(from)")
            #expect(fallback.status == 202)
            #expect(fallback.header("Location")?.hasPrefix("/v2/team/c/blobs/uploads/") == true)
        }
        try await registry.stop()
    }

    @Test func rangeRequests() async throws {
        let registry = try await TestRegistry.start()
        let bytes = Content.randomBytes(100)
        let digest = try await registry.pushBlob("team/app", bytes)
        let path = "/v2/team/app/blobs/\(digest)"

        let middle = try await registry.request(.GET, path, headers: [("Range", "bytes=10-19")])
        #expect(middle.status == 206)
        #expect(middle.body == Array(bytes[10...19]))
        #expect(middle.header("Content-Range") == "bytes 10-19/100")

        let open = try await registry.request(.GET, path, headers: [("Range", "bytes=90-")])
        #expect(open.body == Array(bytes[90...]))
        let suffix = try await registry.request(.GET, path, headers: [("Range", "bytes=-5")])
        #expect(suffix.body == Array(bytes[95...]))
        let clipped = try await registry.request(.GET, path, headers: [("Range", "bytes=95-1000")])
        #expect(clipped.body == Array(bytes[95...]))

        let beyond = try await registry.request(.GET, path, headers: [("Range", "bytes=100-")])
        #expect(beyond.status == 416)
        #expect(beyond.header("Content-Range") == "bytes */100")
        // Multi-range and malformed ranges are ignored: the whole blob.
        let multi = try await registry.request(.GET, path, headers: [("Range", "bytes=0-1,5-6")])
        #expect(multi.status == 200)
        #expect(multi.body == bytes)
        try await registry.stop()
    }

    @Test func deleteUnlinksTheBlob() async throws {
        let registry = try await TestRegistry.start()
        let digest = try await registry.pushBlob("team/app", Content.randomBytes(64))
        #expect(try await registry.request(.DELETE, "/v2/team/app/blobs/\(digest)").status == 202)
        #expect(try await registry.request(.GET, "/v2/team/app/blobs/\(digest)").status == 404)
        let again = try await registry.request(.DELETE, "/v2/team/app/blobs/\(digest)")
        #expect(again.status == 404)
        #expect(again.errorCodes == ["BLOB_UNKNOWN"])
        try await registry.stop()
    }

    @Test func blobsOverTheLimitAreRefused() async throws {
        let registry = try await TestRegistry.start { $0.maxBlobSize = 1000 }
        let bytes = Content.randomBytes(1500)
        let refused = try await registry.request(.POST, "/v2/team/app/blobs/uploads/?digest=\(Content.digest(bytes))", body: bytes)
        #expect(refused.status == 413)
        #expect(refused.errorCodes == ["SIZE_INVALID"])
        #expect(try await registry.request(.HEAD, "/v2/team/app/blobs/\(Content.digest(bytes))").status == 404)
        try await registry.stop()
    }

    @Test func unknownBlobAndBadDigests() async throws {
        let registry = try await TestRegistry.start()
        let unknown = try await registry.request(.GET, "/v2/team/app/blobs/\(Content.digest([1, 2, 3]))")
        #expect(unknown.status == 404)
        #expect(unknown.errorCodes == ["BLOB_UNKNOWN"])
        for bad in ["sha256:abc", "md5:d41d8cd98f00b204e9800998ecf8427e", "sha256:" + String(repeating: "A", count: 64), "nocolon"] {
            let response = try await registry.request(.GET, "/v2/team/app/blobs/\(bad)")
            #expect(response.status == 400, "\(bad)")
            #expect(response.errorCodes == ["DIGEST_INVALID"], "\(bad)")
        }
        try await registry.stop()
    }
}

@Suite("HTTP details")
struct HTTPDetailTests {
    @Test(.enabled(if: isInstalled("curl"))) func expectContinueIsAnsweredAtOnce() async throws {
        let registry = try await TestRegistry.start()
        let file = TestRegistry.temporaryFolder() + "/blob"
        let bytes = Content.randomBytes(2 << 20)
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let result = try await runCommand([
            "curl", "-sv", "-o", "/dev/null", "-w", "status=%{http_code}", "-H", "Expect: 100-continue", "-X", "POST",
            "--data-binary", "@\(file)", "\(registry.base)/v2/team/app/blobs/uploads/?digest=\(Content.digest(bytes))",
        ])
        #expect(result.output.contains("HTTP/1.1 100 Continue"))
        #expect(result.output.contains("status=201"))
        #expect(try await registry.request(.GET, "/v2/team/app/blobs/\(Content.digest(bytes))").body == bytes)
        try await registry.stop()
    }
}
