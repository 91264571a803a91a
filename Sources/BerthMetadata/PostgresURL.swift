import Foundation
import NIOCore
import PostgresNIO

/// The database cannot be reached, or a connection to it was lost in a way
/// that leaves an operation's outcome unknown. The operation did not
/// complete; it may be tried again later.
public struct DatabaseUnavailable: Error, CustomStringConvertible, Sendable {
    /// What happened, briefly and without addresses (`/healthz` shows it to anyone).
    public let summary: String
    /// The underlying error, for logs.
    public let detail: String?

    public init(_ summary: String, detail: String? = nil) {
        self.summary = summary
        self.detail = detail
    }

    public var reason: String { detail.map { "\(summary): \($0)" } ?? summary }
    public var description: String { "the database is unavailable: \(reason)" }
}

/// A `database` setting that cannot be used. Its description never holds the password.
public struct PostgresURLError: Error, CustomStringConvertible, Sendable {
    public let message: String

    init(url: String) {
        message = "database must be postgres://user:password@host:port/database (got \(PostgresURL.redact(url).prefix(200)))"
    }

    init(message: String) { self.message = message }

    public var description: String { message }
}

/// A parsed `database` setting:
/// `postgres://user:password@host:port/database?sslmode=MODE&sslrootcert=FILE&connect_timeout=SECONDS`.
/// Its description shows the URL with the password replaced by `***`.
public struct PostgresURL: Sendable, CustomStringConvertible {
    /// libpq's `sslmode` values that PostgresNIO can honour.
    public enum TLSMode: String, Sendable, CaseIterable {
        /// No TLS (the default when `sslmode` is absent).
        case disable
        /// TLS if the server offers it, else plain; the certificate is not verified.
        case prefer
        /// TLS or no connection; the certificate is not verified (unless `sslrootcert` is given: then as `verify-ca`).
        case require
        /// TLS with a certificate signed by `sslrootcert` (or the system's trusted roots); any host name.
        case verifyCA = "verify-ca"
        /// TLS with a certificate signed by `sslrootcert` (or the system's trusted roots) for the host connected to.
        case verifyFull = "verify-full"
    }

    public let host: String
    public let port: Int
    public let user: String
    public let password: String?
    public let database: String?
    public let tlsMode: TLSMode
    /// A PEM file of the certificate authorities to trust; nil or `system` for the system's.
    public let rootCertificate: String?
    public let connectTimeout: Duration?
    /// The URL as given, password redacted.
    public let redacted: String

    public init(_ url: String) throws {
        redacted = Self.redact(url)
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? ""),
              let host = components.host, !host.isEmpty, let user = components.user
        else { throw PostgresURLError(url: url) }
        self.host = host
        port = components.port ?? 5432
        self.user = user
        password = components.password
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.isEmpty ? nil : path
        var parameters: [String: String] = [:]
        for item in components.queryItems ?? [] { parameters[item.name] = item.value ?? "" }
        let allowed = TLSMode.allCases.map(\.rawValue)
        if let mode = parameters["sslmode"] {
            guard let parsed = TLSMode(rawValue: mode) else {
                throw PostgresURLError(
                    message: "database: sslmode must be one of \(allowed.joined(separator: ", ")) (got '\(mode.prefix(40))' in \(redacted.prefix(200)))")
            }
            tlsMode = parsed
        } else {
            tlsMode = .disable
        }
        rootCertificate = parameters["sslrootcert"].flatMap { $0.isEmpty ? nil : $0 }
        if let timeout = parameters["connect_timeout"] {
            guard let seconds = Int(timeout), (1...3600).contains(seconds) else {
                throw PostgresURLError(message: "database: connect_timeout must be a number of seconds, 1 to 3600 (got '\(timeout.prefix(40))')")
            }
            connectTimeout = .seconds(seconds)
        } else {
            connectTimeout = nil
        }
    }

    public var description: String { redacted }

    /// `url` with the password (between `user:` and the last `@`, and any
    /// `password=` parameter) replaced by `***`; works on URLs that do not parse.
    public static func redact(_ url: String) -> String {
        var result = url
        if let scheme = result.range(of: "://"), let at = result.range(of: "@", options: .backwards), scheme.upperBound <= at.lowerBound,
           let colon = result[scheme.upperBound..<at.lowerBound].firstIndex(of: ":")
        {
            result.replaceSubrange(result.index(after: colon)..<at.lowerBound, with: "***")
        }
        // libpq also takes the password as a parameter.
        if let range = result.range(of: #"(?i)([?&]password=)[^&#]*"#, options: .regularExpression) {
            let prefix = result[range].prefix { $0 != "=" }
            result.replaceSubrange(range, with: prefix + "=***")
        }
        return result
    }

    /// The TLS settings of `tlsMode`; reads `rootCertificate` now, so that a missing file is a configuration error.
    public func tls() throws -> PostgresConnection.Configuration.TLS {
        guard tlsMode != .disable else { return .disable }
        var tls = TLSConfiguration.makeClientConfiguration()
        switch tlsMode {
        case .disable, .prefer: tls.certificateVerification = .none
        case .require: tls.certificateVerification = rootCertificate == nil ? .none : .noHostnameVerification
        case .verifyCA: tls.certificateVerification = .noHostnameVerification
        case .verifyFull: tls.certificateVerification = .fullVerification
        }
        if let rootCertificate, rootCertificate != "system", tlsMode != .prefer {
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(rootCertificate))
            } catch {
                throw PostgresURLError(message: "database: cannot read sslrootcert \(rootCertificate) (a PEM file of certificates): \(error)")
            }
        }
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: tls)
        } catch {
            throw PostgresURLError(message: "database: cannot set up TLS: \(error)")
        }
        return tlsMode == .prefer ? .prefer(context) : .require(context)
    }

    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: try tls())
        if let connectTimeout {
            configuration.options.connectTimeout = .seconds(connectTimeout.components.seconds)
        }
        return configuration
    }
}
