import BerthMetadata
import BerthServer
import Crypto
import Foundation

/// Which backends the integration suite runs on: the embedded ones
/// (filesystem + SQLite) by default; S3 + PostgreSQL when
/// `BERTH_TEST_BACKENDS=s3-postgres`, with `BERTH_TEST_DATABASE`
/// (`postgres://user:password@host:port`) and `BERTH_TEST_S3_ENDPOINT`.
/// Each data folder gets a database and a bucket prefix of its own, the
/// same ones again when a test restarts on that folder.
enum TestBackends {
    static let environment = ProcessInfo.processInfo.environment
    static var shared: Bool { environment["BERTH_TEST_BACKENDS"] == "s3-postgres" }

    /// A short name derived from the folder: the database and the prefix.
    static func name(_ folder: String) -> String {
        "t_" + SHA256.hash(data: Data(folder.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
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
        configuration.s3Endpoint = environment["BERTH_TEST_S3_ENDPOINT"] ?? "http://127.0.0.1:9199"
        configuration.s3Bucket = "berth-test"
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
