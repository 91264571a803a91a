/// Entry point for all detectors and the capture predicate that ties them
/// to `TarStream`: only files a detector reads are kept in memory.
public enum PackageDetectors {
    /// The largest file kept whole: an rpmdb.sqlite of a full distribution is tens of MiB.
    public static let maxCapturedFile = 64 << 20

    /// True exactly for the paths the detectors read (normalized, no leading "/").
    @Sendable
    public static func capture(_ path: String) -> Bool {
        OSRelease.paths.contains(path)
            || path == DpkgStatus.statusPath || DpkgStatus.isStatusDFile(path)
            || path == ApkInstalled.path
            || PythonMetadata.isMetadataPath(path)
            || NpmPackages.isModulePackageJSON(path) || NpmPackages.isLockfile(path)
            || CargoLock.isCargoLock(path)
            || MavenProperties.isPomProperties(path) || JavaArchives.isArchive(path)
            || path == RpmDatabase.path
    }

    /// Runs every detector; packages are deduplicated and sorted by
    /// ecosystem, name, version (then location), at most 100,000.
    public static func detect(_ files: ImageFiles) -> (distribution: Distribution?, packages: [DetectedPackage]) {
        let distro = OSRelease.detect(files)
        var sink = PackageSink()
        DpkgStatus.detect(files, distro: distro, into: &sink)
        ApkInstalled.detect(files, distro: distro, into: &sink)
        PythonMetadata.detect(files, into: &sink)
        NpmPackages.detect(files, into: &sink)
        CargoLock.detect(files, into: &sink)
        MavenProperties.detect(files, into: &sink)
        JavaArchives.detect(files, into: &sink)
        RpmDatabase.detect(files, distro: distro, into: &sink)
        GoBinaries.detect(files, into: &sink)
        RustBinaries.detect(files, into: &sink)
        let sorted = sink.packages.sorted {
            ($0.ecosystem, $0.name, $0.version, $0.location) < ($1.ecosystem, $1.name, $1.version, $1.location)
        }
        return (distro, sorted)
    }
}

/// Collects packages, deduplicating and stopping at `Limits.maxPackages`
/// (the first ones in detector order win; `truncated` tells it happened).
struct PackageSink {
    private(set) var packages: [DetectedPackage] = []
    private var seen: Set<DetectedPackage> = []
    private(set) var truncated = false

    mutating func add(_ p: DetectedPackage) {
        guard packages.count < Limits.maxPackages else { truncated = true; return }
        if seen.insert(p).inserted { packages.append(p) }
    }
}
