/// The error codes of the OCI Distribution Specification (and the Docker
/// Registry HTTP API V2), each with the HTTP status a registry answers with.
public enum ErrorCode: String, Sendable, CaseIterable {
    case blobUnknown = "BLOB_UNKNOWN"
    case blobUploadInvalid = "BLOB_UPLOAD_INVALID"
    case blobUploadUnknown = "BLOB_UPLOAD_UNKNOWN"
    case digestInvalid = "DIGEST_INVALID"
    case manifestBlobUnknown = "MANIFEST_BLOB_UNKNOWN"
    case manifestInvalid = "MANIFEST_INVALID"
    case manifestUnknown = "MANIFEST_UNKNOWN"
    case nameInvalid = "NAME_INVALID"
    case nameUnknown = "NAME_UNKNOWN"
    case sizeInvalid = "SIZE_INVALID"
    case unauthorized = "UNAUTHORIZED"
    case denied = "DENIED"
    case unsupported = "UNSUPPORTED"
    case tooManyRequests = "TOOMANYREQUESTS"
    /// From the Docker Registry HTTP API V2: a bad `n` in a paginated listing.
    case paginationNumberInvalid = "PAGINATION_NUMBER_INVALID"
    /// From the Docker Registry HTTP API V2: a tag that is not a valid tag.
    case tagInvalid = "TAG_INVALID"
    /// From the Docker Registry HTTP API V2: the registry failed, not the request.
    case unknown = "UNKNOWN"

    /// The status Distribution answers with for this code when no more
    /// specific one applies.
    public var defaultStatus: Int {
        switch self {
        case .blobUnknown, .blobUploadUnknown, .manifestUnknown, .nameUnknown: 404
        case .blobUploadInvalid, .digestInvalid, .manifestBlobUnknown, .manifestInvalid,
             .nameInvalid, .sizeInvalid, .paginationNumberInvalid, .tagInvalid: 400
        case .unauthorized: 401
        case .denied: 403
        case .unsupported: 405
        case .tooManyRequests: 429
        case .unknown: 500
        }
    }

    /// The spec's short description of the code.
    public var defaultMessage: String {
        switch self {
        case .blobUnknown: "blob unknown to registry"
        case .blobUploadInvalid: "blob upload invalid"
        case .blobUploadUnknown: "blob upload unknown to registry"
        case .digestInvalid: "provided digest did not match uploaded content"
        case .manifestBlobUnknown: "manifest references a manifest or blob unknown to registry"
        case .manifestInvalid: "manifest invalid"
        case .manifestUnknown: "manifest unknown to registry"
        case .nameInvalid: "invalid repository name"
        case .nameUnknown: "repository name not known to registry"
        case .sizeInvalid: "provided length did not match content length"
        case .unauthorized: "authentication required"
        case .denied: "requested access to the resource is denied"
        case .unsupported: "the operation is unsupported"
        case .tooManyRequests: "too many requests"
        case .paginationNumberInvalid: "invalid number of results requested"
        case .tagInvalid: "manifest tag did not match URI"
        case .unknown: "unknown error"
        }
    }
}

/// An error every layer can throw and the HTTP layer renders as the spec's
/// `{"errors":[{"code","message","detail"}]}` body.
public struct RegistryError: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: ErrorCode
    public let status: Int
    public let message: String
    /// Machine-readable context, such as the offending digest or name.
    public let detail: [String: String]?

    public init(_ code: ErrorCode, _ message: String? = nil, status: Int? = nil, detail: [String: String]? = nil) {
        self.code = code
        self.status = status ?? code.defaultStatus
        self.message = message ?? code.defaultMessage
        self.detail = detail
    }

    public var description: String { "\(code.rawValue) (\(status)): \(message)" }
}
