import Foundation
import OCI
import Testing

@Suite("Digests, names, tags and references")
struct ParsingTests {
    @Test func digests() throws {
        let hex = String(repeating: "ab", count: 32)
        let digest = try Digest(parsing: "sha256:\(hex)")
        #expect(digest.algorithm == .sha256)
        #expect(digest.hex == hex)
        #expect(digest.description == "sha256:\(hex)")
        #expect(try Digest(parsing: "sha512:" + String(repeating: "0", count: 128)).algorithm == .sha512)
        for bad in ["", "sha256", "sha256:", "sha256:\(hex)0", "sha256:" + hex.uppercased(), "SHA256:\(hex)",
                    "md5:d41d8cd98f00b204e9800998ecf8427e", "sha512:\(hex)", ":\(hex)", "sha256:\(hex.dropLast())g"] {
            #expect(throws: RegistryError.self, "\(bad)") { try Digest(parsing: bad) }
            #expect((try? Digest(parsing: bad)) == nil)
        }
    }

    @Test func hashing() {
        // Known answers: SHA-256 and SHA-512 of "abc".
        #expect(DigestHasher.digest(of: Array("abc".utf8)).hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(DigestHasher.digest(of: Array("abc".utf8), algorithm: .sha512).hex.hasPrefix("ddaf35a193617aba"))
        var incremental = DigestHasher()
        incremental.update(Array("a".utf8))
        incremental.update(Array("bc".utf8))
        #expect(incremental.finalize() == DigestHasher.digest(of: Array("abc".utf8)))
    }

    @Test func repositoryNames() throws {
        for good in ["a", "team/app", "team/sub/app", "a.b", "a_b", "a__b", "a-b", "a---b", "0/1/2", String(repeating: "a", count: 255)] {
            #expect(try RepositoryName(parsing: good).value == good)
        }
        for bad in ["", "A", "a/", "/a", "a//b", "a..b", "a___b", "a_.b", "-a", "a-", "a b", "a/B", "ä", String(repeating: "a", count: 256)] {
            #expect(throws: RegistryError.self, "\(bad)") { try RepositoryName(parsing: bad) }
        }
        #expect(try RepositoryName(parsing: "team/sub/app").project == "team")
        do {
            _ = try RepositoryName(parsing: "Bad")
        } catch {
            #expect(error.code == .nameInvalid)
        }
    }

    @Test func tagsAndReferences() throws {
        for good in ["latest", "1.0.0", "_x", "A-b.c_d", String(repeating: "t", count: 128)] {
            #expect(try Tag(parsing: good).value == good)
        }
        for bad in ["", ".a", "-a", "a/b", "a:b", "a+b", String(repeating: "t", count: 129)] {
            #expect(throws: RegistryError.self, "\(bad)") { try Tag(parsing: bad) }
        }
        let hex = String(repeating: "0", count: 64)
        #expect(try Reference(parsing: "sha256:\(hex)") == .digest(Digest(parsing: "sha256:\(hex)")))
        #expect(try Reference(parsing: "v1") == .tag(Tag(parsing: "v1")))
        #expect(throws: RegistryError.self) { try Reference(parsing: "v1:bad") }
    }

    @Test func mediaTypes() {
        #expect(MediaType.essence(" application/vnd.oci.image.manifest.v1+json; charset=utf-8") == MediaType.ociManifest)
        #expect(MediaType.isWellFormed("application/vnd.example+json"))
        #expect(!MediaType.isWellFormed("application"))
        #expect(!MediaType.isWellFormed("a/b/c"))
        #expect(!MediaType.isWellFormed("a/"))
    }
}
