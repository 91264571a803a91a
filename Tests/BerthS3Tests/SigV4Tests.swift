@testable import BerthS3
import Foundation
import Testing

/// Published vectors: the AWS Signature Version 4 test suite and the
/// examples of the S3 API reference.
@Suite("AWS Signature Version 4")
struct SigV4Tests {
    let suite = SigV4Signer(
        credentials: AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1", service: "service")
    let s3 = SigV4Signer(
        credentials: AWSCredentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1")
    /// 2015-08-30T12:36:00Z and 2013-05-24T00:00:00Z.
    let suiteDate = Date(timeIntervalSince1970: 1_440_938_160)
    let s3Date = Date(timeIntervalSince1970: 1_369_353_600)

    func authorization(_ headers: [(String, String)]) -> String? { headers.first { $0.0 == "Authorization" }?.1 }

    @Test func getVanilla() {
        let headers = suite.sign(
            method: "GET", path: "/", query: [], headers: [("Host", "example.amazonaws.com")],
            payloadHash: SigV4Signer.emptyPayloadHash, date: suiteDate)
        #expect(authorization(headers) == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            + "SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
        #expect(headers.first { $0.0 == "x-amz-date" }?.1 == "20150830T123600Z")
    }

    @Test func derivedKeyAndSignatureOfTheFirstSuite() {
        let signer = SigV4Signer(credentials: suite.credentials, region: "us-east-1", service: "host")
        let stringToSign = "AWS4-HMAC-SHA256\n20110909T233600Z\n20110909/us-east-1/host/aws4_request\n"
            + "e25f777ba161a0f1baf778a87faf057187cf5987f17953320e3ca399feb5f00d"
        #expect(signer.signature(stringToSign: stringToSign, day: "20110909") == "be7148d34ebccdc6423b19085378aa0bee970bdc61d144bd1a8c48c33079ab09")
    }

    @Test func canonicalParts() {
        #expect(SigV4Signer.canonicalQuery([("foo", "Zoo"), ("foo", "aha")]) == "foo=Zoo&foo=aha")
        #expect(SigV4Signer.canonicalQuery([("Param2", "value2"), ("Param1", "value1")]) == "Param1=value1&Param2=value2")
        #expect(SigV4Signer.canonicalQuery([("prefix", "a b/c"), ("list-type", "2")]) == "list-type=2&prefix=a%20b%2Fc")
        #expect(SigV4Signer.encodePath("/blobs/sha256/ab/x y~") == "/blobs/sha256/ab/x%20y~")
        let (lines, names) = SigV4Signer.canonicalHeaders([("Host", "h"), ("My-Header1", "  a   b  c "), ("X-Amz-Date", "d")])
        #expect(lines == "host:h\nmy-header1:a b c\nx-amz-date:d\n" && names == "host;my-header1;x-amz-date")
    }

    /// "GET Object" in the S3 reference: a range of test.txt, empty payload.
    @Test func s3GetObjectExample() {
        let headers = s3.sign(
            method: "GET", path: "/test.txt", query: [],
            headers: [("Host", "examplebucket.s3.amazonaws.com"), ("Range", "bytes=0-9")],
            payloadHash: SigV4Signer.emptyPayloadHash, date: s3Date)
        #expect(authorization(headers) == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    }

    /// The presigned URL example of the S3 reference (24 hours).
    @Test func s3PresignedURLExample() {
        let query = s3.presignedQuery(method: "GET", host: "examplebucket.s3.amazonaws.com", path: "/test.txt", expires: 86400, date: s3Date)
        #expect(query.contains("X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"))
        #expect(query.contains("X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"))
    }

    @Test func credentialsFromTheEnvironment() {
        #expect(AWSCredentials.fromEnvironment([:]) == nil)
        let found = AWSCredentials.fromEnvironment(["AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b", "AWS_SESSION_TOKEN": "c"])
        #expect(found == AWSCredentials(accessKeyID: "a", secretAccessKey: "b", sessionToken: "c"))
    }
}

@Suite("S3 addressing")
struct S3AddressingTests {
    let credentials = AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret")

    @Test func pathAndVirtualHostStyle() {
        let path = S3Client(S3Configuration(endpoint: "http://127.0.0.1:9000", bucket: "reg", pathStyle: true, credentials: credentials))
        #expect(path.presignedURL("blobs/sha256/ab/x", expires: 60).hasPrefix("http://127.0.0.1:9000/reg/blobs/sha256/ab/x?X-Amz-Algorithm="))
        let virtual = S3Client(S3Configuration(
            endpoint: "https://s3.eu-west-1.amazonaws.com/", bucket: "reg", region: "eu-west-1", pathStyle: false, credentials: credentials))
        let url = virtual.presignedURL("blobs/sha256/ab/x", expires: 60)
        #expect(url.hasPrefix("https://reg.s3.eu-west-1.amazonaws.com/blobs/sha256/ab/x?"))
        #expect(url.contains("%2Feu-west-1%2Fs3%2Faws4_request"))
    }
}
