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
