import HTTPTypes

extension HTTPField.Name {
    static let dockerContentDigest = Self("Docker-Content-Digest")!
    static let dockerDistributionAPIVersion = Self("Docker-Distribution-API-Version")!
    static let dockerUploadUUID = Self("Docker-Upload-UUID")!
    static let blobUploadSessionID = Self("Blob-Upload-Session-ID")!
    static let ociSubject = Self("OCI-Subject")!
    static let ociFiltersApplied = Self("OCI-Filters-Applied")!
    static let requestID = Self("X-Request-Id")!
    static let link = Self("Link")!
    static let rateLimitLimit = Self("RateLimit-Limit")!
    static let rateLimitRemaining = Self("RateLimit-Remaining")!
}
