import Foundation
import OCI
import Testing

/// Random and mutated inputs: parsers never crash and only ever fail with a
/// spec error. Seeds are fixed so a failure reproduces.
@Suite("Fuzzing the parsers")
struct FuzzTests {
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let seeds = Array(ManifestParsingTests.json(ManifestParsingTests.image))
    static let alphabet = Array("abcdefABCDEF0123456789:/._-+@ {}[]\",\\\u{0}é".utf8)

    static func mutate(_ input: [UInt8], _ rng: inout SplitMix) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...8, using: &rng) {
            let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<4, using: &rng) {
            case 0 where !bytes.isEmpty: bytes[position] = UInt8.random(in: 0...255, using: &rng)
            case 1 where !bytes.isEmpty: bytes.remove(at: position)
            case 2: bytes.insert(alphabet.randomElement(using: &rng)!, at: position)
            default:
                let end = min(bytes.count, position + Int.random(in: 0...16, using: &rng))
                bytes.replaceSubrange(position..<end, with: bytes[position..<end].reversed())
            }
        }
        return bytes
    }

    @Test func manifestParserOnlyThrowsSpecErrors() {
        var rng = SplitMix(state: 42)
        var accepted = 0
        for round in 0..<3000 {
            let input = round % 3 == 0
                ? (0..<Int.random(in: 0...200, using: &rng)).map { _ in Self.alphabet.randomElement(using: &rng)! }
                : Self.mutate(Self.seeds, &rng)
            do throws(RegistryError) {
                _ = try Manifest(parsing: input, contentType: round % 2 == 0 ? MediaType.ociManifest : nil)
                accepted += 1
            } catch {
                #expect([ErrorCode.manifestInvalid, .sizeInvalid].contains(error.code))
            }
        }
        // Some mutations (in whitespace or annotations) stay valid; most do not.
        #expect(accepted < 3000)
    }

    @Test func nameDigestAndReferenceParsersOnlyThrowSpecErrors() {
        var rng = SplitMix(state: 7)
        let valid = ["team/sub/app", "sha256:" + String(repeating: "a", count: 64), "v1.2.3"]
        for round in 0..<5000 {
            let base = Array(valid[round % valid.count].utf8)
            let input = String(decoding: Self.mutate(base, &rng), as: UTF8.self)
            do throws(RegistryError) { _ = try RepositoryName(parsing: input) } catch { #expect(error.code == .nameInvalid) }
            do throws(RegistryError) { _ = try Digest(parsing: input) } catch { #expect(error.code == .digestInvalid) }
            do throws(RegistryError) { _ = try Reference(parsing: input) } catch { #expect([ErrorCode.digestInvalid, .tagInvalid].contains(error.code)) }
        }
    }
}
