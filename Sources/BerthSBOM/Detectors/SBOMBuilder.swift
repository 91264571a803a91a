/// Façade: feed each layer's decompressed tar bytes in order, call
/// `endLayer()` after each, then read `result()`.
///
/// Memory is bounded by what the capture predicate keeps (see `ImageFiles`),
/// never by layer size.
public struct SBOMBuilder: Sendable {
    private var tar: TarStream
    private var files = ImageFiles()

    public init() {
        tar = TarStream(capture: PackageDetectors.capture, maxCapturedFile: PackageDetectors.maxCapturedFile)
    }

    /// Feeds the next chunk (any size) of the current layer.
    public mutating func feed(layer chunk: UnsafeRawBufferPointer) throws {
        for e in try tar.feed(chunk) { files.apply(JavaArchives.summarized(e)) }
    }

    /// Convenience for byte arrays.
    public mutating func feed(layer chunk: [UInt8]) throws {
        try chunk.withUnsafeBytes { try feed(layer: $0) }
    }

    /// Feeds a whole layer from an async stream of chunks and ends it.
    public mutating func addLayer<S: AsyncSequence>(_ chunks: S) async throws where S.Element == [UInt8] {
        for try await chunk in chunks { try feed(layer: chunk) }
        try endLayer()
    }

    /// Ends the current layer (throws `TarError.truncated` if it was cut
    /// short; its complete entries were already applied) and starts the next.
    public mutating func endLayer() throws {
        defer {
            files.endLayer()
            tar = TarStream(capture: PackageDetectors.capture, maxCapturedFile: PackageDetectors.maxCapturedFile)
        }
        for e in try tar.finish() { files.apply(JavaArchives.summarized(e)) }
    }

    /// The merged image's files (e.g. for custom detectors).
    public var imageFiles: ImageFiles { files }

    public func result() -> (distribution: Distribution?, packages: [DetectedPackage]) {
        PackageDetectors.detect(files)
    }
}
