@testable import BerthS3
import Testing

/// How whole-object copies are split: S3 refuses CopyObject over 5 GiB and
/// more than 10,000 parts.
@Suite("S3 copy limits")
struct CopyLimitsTests {
    @Test func partsAreOneGiBUntilThatTakesMoreThanTenThousand() {
        let limits = CopyLimits.s3
        #expect(limits.singleCopy == 5 << 30)
        #expect(limits.partSize(for: 6 << 30) == 1 << 30)
        #expect(limits.partSize(for: 64 << 30) == 1 << 30)
        let huge: Int64 = 20 << 40
        let part = limits.partSize(for: huge)
        #expect(part > 1 << 30)
        #expect((huge + part - 1) / part <= CopyLimits.maximumParts)
    }
}
