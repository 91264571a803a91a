/// A content descriptor: what a manifest says about content it references.
public struct Descriptor: Sendable, Equatable, Codable {
    public var mediaType: String
    public var digest: Digest
    public var size: Int64
    public var artifactType: String?
    public var annotations: [String: String]?
    public var platform: Platform?
    public var urls: [String]?

    public init(
        mediaType: String, digest: Digest, size: Int64, artifactType: String? = nil,
        annotations: [String: String]? = nil, platform: Platform? = nil
    ) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.artifactType = artifactType
        self.annotations = annotations
        self.platform = platform
    }

    public struct Platform: Sendable, Equatable, Codable {
        public var architecture: String
        public var os: String
        public var variant: String?
        public init(architecture: String, os: String, variant: String? = nil) {
            self.architecture = architecture
            self.os = os
            self.variant = variant
        }

        /// `os/architecture[/variant]` as people write platforms (`linux/arm64/v8`); nil when it is not one.
        public init?(named name: String) {
            let parts = name.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard (2...3).contains(parts.count),
                  parts.allSatisfy({ !$0.isEmpty && $0.count <= 32 && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") } })
            else { return nil }
            self.init(architecture: parts[1], os: parts[0], variant: parts.count == 3 ? parts[2] : nil)
        }
    }
}

extension Digest: Codable {
    public init(from decoder: any Decoder) throws {
        let string = try decoder.singleValueContainer().decode(String.self)
        do {
            self = try Digest(parsing: string)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
