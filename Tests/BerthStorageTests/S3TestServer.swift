import BerthS3
import Foundation

/// The S3-compatible server the tests use, from `BERTH_TEST_S3_ENDPOINT`
/// (moto's server in CI); each store gets a prefix of its own.
enum S3TestServer {
    static func configuration(partSize: Int = 5 << 20) -> S3Configuration? {
        guard let endpoint = ProcessInfo.processInfo.environment["BERTH_TEST_S3_ENDPOINT"]?.split(separator: " ").first.map(String.init)
        else { return nil }
        return S3Configuration(
            endpoint: endpoint, bucket: "berth-test", credentials: AWSCredentials(accessKeyID: "test", secretAccessKey: "test"),
            prefix: "t-\(UUID().uuidString.lowercased())/", partSize: partSize)
    }

    static func store(_ configuration: S3Configuration) async throws -> S3BlobStore {
        var configuration = configuration
        configuration.prefix = "t-\(UUID().uuidString.lowercased())/"
        let store = S3BlobStore(configuration)
        try await store.ensureBucket()
        return store
    }
}
