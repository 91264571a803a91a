import BerthMetadata
import BerthServer
import Crypto
import Foundation

/// Which backends the integration suite runs on: the embedded ones
/// (filesystem + SQLite) by default; S3 + PostgreSQL when
/// `BERTH_TEST_BACKENDS=s3-postgres`, with `BERTH_TEST_DATABASE`
/// (`postgres://user:password@host:port`) and `BERTH_TEST_S3_ENDPOINT`
/// (one S3 server, or several separated by spaces).
/// Each data folder gets a database and a bucket of its own, on one of the
/// S3 servers, the same ones again when a test restarts on that folder.
/// Several servers and a bucket each keep moto (one Python process per
/// server, listing a bucket's every key on each list) from becoming what
/// the whole suite waits on.
enum TestBackends {
    static let environment = ProcessInfo.processInfo.environment
    static var shared: Bool { environment["BERTH_TEST_BACKENDS"] == "s3-postgres" }

    /// A short name derived from the folder: the database, the bucket and the prefix.
    static func name(_ folder: String) -> String {
        "t_" + SHA256.hash(data: Data(folder.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    /// The S3 server of a folder: always the same one of those named.
    static func s3Endpoint(_ folder: String) -> String {
        let endpoints = (environment["BERTH_TEST_S3_ENDPOINT"] ?? "http://127.0.0.1:9199").split(separator: " ").map(String.init)
        guard endpoints.count > 1 else { return endpoints.first ?? "http://127.0.0.1:9199" }
        let byte = Array(SHA256.hash(data: Data(folder.utf8)))[0]
        return endpoints[Int(byte) % endpoints.count]
    }

    static func databaseURL(_ folder: String) -> String {
        (environment["BERTH_TEST_DATABASE"] ?? "postgres://berth:berth@127.0.0.1:55432") + "/" + name(folder)
    }

    static func configure(_ configuration: inout Configuration, folder: String) async throws {
        guard shared else { return }
        try await PostgresBackend.createDatabase(name(folder), at: databaseURL(folder))
        configuration.database = databaseURL(folder)
        configuration.databaseConnections = 3
        configuration.storage = "s3"
        configuration.s3Endpoint = s3Endpoint(folder)
        configuration.s3Bucket = name(folder).replacingOccurrences(of: "_", with: "-")
        configuration.s3PathStyle = true
        configuration.s3Prefix = name(folder) + "/"
        configuration.s3PartSize = 5 << 20
        configuration.s3AccessKey = "test"
        configuration.s3SecretKey = "test"
    }

    /// `--config FILE` arguments giving a command the same backends as the
    /// folder's server (none for the embedded ones).
    static func configFile(_ folder: String) async throws -> [String] {
        guard shared else { return [] }
        var configuration = Configuration()
        try await configure(&configuration, folder: folder)
        let yaml = """
            database: "\(configuration.database!)"
            storage: s3
            s3_endpoint: "\(configuration.s3Endpoint)"
            s3_bucket: \(configuration.s3Bucket)
            s3_path_style: true
            s3_prefix: "\(configuration.s3Prefix)"
            s3_access_key: test
            s3_secret_key: test
            """
        let path = folder + "/berth-test.yaml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return ["--config", path]
    }

    /// The database of a data folder, opened as a second process would.
    static func openBackend(_ folder: String) async throws -> any SQLBackend {
        shared ? try await PostgresBackend(url: databaseURL(folder), connections: 2) : try SQLiteBackend(path: folder + "/metadata.sqlite")
    }
}
