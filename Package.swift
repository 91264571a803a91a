// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]
let testSettings: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let package = Package(
    name: "berth",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "berth", targets: ["berth"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    ],
    targets: [
        // Domain: digests, names, references, manifests. Pure, no I/O.
        .target(
            name: "OCI",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // Content-addressed blob storage and resumable upload sessions.
        .target(
            name: "BerthStorage",
            dependencies: [
                "OCI",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "_NIOFileSystem", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Blobs in an S3-compatible object store, signed with AWS Signature Version 4.
        .target(
            name: "BerthS3",
            dependencies: [
                "OCI", "BerthStorage",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Repositories, manifests, tags, links, referrers in SQL (SQLite via GRDB, or PostgreSQL).
        .target(
            name: "BerthMetadata",
            dependencies: [
                "OCI",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Who may do what: permissions, identities, passwords, tokens.
        .target(
            name: "BerthAuth",
            dependencies: [
                "OCI", "BerthMetadata",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            ],
            swiftSettings: swiftSettings
        ),
        // Rules on what may change: the push and pull policy chains, tag immutability, quotas, retention.
        .target(
            name: "BerthPolicies",
            dependencies: ["OCI", "BerthMetadata"],
            swiftSettings: swiftSettings
        ),
        // SBOMs: image layers read as tar streams (with whiteouts), package databases, jars (with the ZIP reader of BerthVulnerabilities), CycloneDX and SPDX documents. No I/O.
        .target(name: "BerthSBOM", dependencies: ["BerthVulnerabilities"], swiftSettings: swiftSettings),
        // The system's zlib: image layers are gunzipped as they stream.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        // Vulnerability data and matching: ecosystems' version orders, OSV records and archives, CVSS scores. No I/O.
        .target(name: "BerthVulnerabilities", swiftSettings: swiftSettings),
        // RegistryService and the /v2 Distribution API routes.
        .target(
            name: "BerthRegistry",
            dependencies: [
                "OCI", "BerthStorage", "BerthMetadata", "BerthAuth", "BerthPolicies", "BerthClient", "BerthVulnerabilities", "BerthSBOM", "CZlib",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Who signed an artifact: cosign and Notation signatures verified against a project's
        // keys and certificates, and the pull policy that admits trusted artifacts only.
        .target(
            name: "BerthSigning",
            dependencies: [
                "OCI", "BerthStorage", "BerthMetadata", "BerthPolicies", "BerthRegistry",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The application services of /api/v1 and the web UI: permission checks, validation, audit of changes.
        .target(
            name: "BerthManagement",
            dependencies: [
                "OCI", "BerthMetadata", "BerthAuth", "BerthRegistry", "BerthPolicies", "BerthSigning", "BerthClient", "BerthStorage",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // /api/v1: the management services over JSON, and the OpenAPI document.
        .target(
            name: "BerthAPI",
            dependencies: [
                "OCI", "BerthMetadata", "BerthRegistry", "BerthPolicies", "BerthSigning", "BerthManagement",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The web UI: server-rendered pages over the management services, sessions, embedded assets.
        .target(
            name: "BerthUI",
            dependencies: [
                "OCI", "BerthMetadata", "BerthAuth", "BerthRegistry", "BerthManagement", "BerthSigning",
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // A client of other registries (tags resolved to digests, with their authentication).
        .target(
            name: "BerthClient",
            dependencies: [
                "OCI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        // Configuration, wiring, lifecycle.
        .target(
            name: "BerthServer",
            dependencies: [
                "OCI", "BerthStorage", "BerthS3", "BerthMetadata", "BerthAuth", "BerthPolicies", "BerthRegistry", "BerthSigning",
                "BerthManagement", "BerthAPI", "BerthUI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "berth",
            dependencies: [
                "BerthServer", "BerthAuth", "BerthMetadata", "BerthRegistry", "BerthClient", "OCI",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // Programs the tests run (skopeo, python3, berth itself), without Foundation's `Process`.
        .target(name: "TestProcesses", path: "Tests/TestProcesses", swiftSettings: testSettings),
        .testTarget(name: "OCITests", dependencies: ["OCI"], swiftSettings: testSettings),
        .testTarget(
            name: "BerthS3Tests",
            dependencies: ["BerthS3", "BerthStorage", "OCI", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: testSettings
        ),
        .testTarget(
            name: "BerthSigningTests",
            dependencies: [
                "BerthSigning",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: testSettings
        ),
        .testTarget(name: "BerthClientTests", dependencies: ["BerthClient"], swiftSettings: testSettings),
        .testTarget(name: "BerthPoliciesTests", dependencies: ["BerthPolicies", "BerthMetadata", "OCI"], swiftSettings: testSettings),
        .testTarget(name: "BerthVulnerabilitiesTests", dependencies: ["BerthVulnerabilities", "TestProcesses"], swiftSettings: testSettings),
        .testTarget(
            name: "BerthSBOMTests", dependencies: ["BerthSBOM", "TestProcesses"], exclude: ["validate.py", "schemas"], swiftSettings: testSettings),
        .testTarget(
            name: "BerthAuthTests",
            dependencies: ["BerthAuth", "BerthMetadata", "OCI", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: testSettings
        ),
        .testTarget(
            name: "BerthStorageTests",
            dependencies: [
                "BerthStorage", "BerthS3", "OCI",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: testSettings
        ),
        .testTarget(
            name: "BerthIntegrationTests",
            dependencies: [
                "BerthServer", "BerthAuth", "BerthMetadata", "OCI", "TestProcesses",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            // Servers tests run with python3: a TCP relay that cuts, a scanner adapter, an archive server.
            exclude: ["Support/cut-proxy.py", "Support/scanner-adapter.py", "Support/archive-server.py"],
            swiftSettings: testSettings
        ),
    ]
)
