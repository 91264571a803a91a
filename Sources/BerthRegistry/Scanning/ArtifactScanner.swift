import BerthMetadata
import BerthSBOM
import BerthStorage
import BerthVulnerabilities
import Foundation
import Logging
import NIOCore
import OCI
import Synchronization

/// Scans artifacts: reads each image's layers once, streamed (gunzip as
/// the blob is read, the tar parsed as it is decompressed, only package
/// databases kept), lists the packages, and matches them against the
/// vulnerability database. Scans are rows of `scan_reports`, each claimed by
/// one node of the cluster; a node runs at most `concurrency` at once.
public final class ArtifactScanner: Sendable {
    /// Layers are read through the content, so a pull-through cache fetches those it lacks (scan on first fetch).
    let content: any RegistryContent
    let metadata: any MetadataStore
    let sboms: SBOMReferrers
    let scans: SQLScanStore
    let matcher: VulnerabilityMatcher
    let rematcher: ReportRematcher
    let vulnerabilities: SQLVulnerabilityStore
    /// Each project's choice of scanner.
    let settings: any ProjectSettingStore
    /// The adapter of `scanner_url`, when there is one.
    public let external: ExternalScanner?
    /// `scan.completed` and `scan.failed` go to the outbox (audit log, webhooks).
    let events: any EventSink
    public let metrics = ScanMetrics()
    let node: String
    let logger: Logger
    private let running = Atomic<Int>(0)
    private let rematching = Atomic<Bool>(false)
    /// The server's requests: rematches yield while requests write.
    let requests: RequestMetrics?
    private let lastWrites = Atomic<Int>(0)
    private let databaseRead = Mutex<Date?>(nil)

    static let concurrency = 2
    /// Rematches claimed, matched and written together.
    static let rematchBatch = 16
    static let beatInterval: TimeInterval = 10
    static let staleAfter: TimeInterval = 60
    /// An index's images read, at most.
    static let imagesPerIndex = 64

    public init(
        content: any RegistryContent, metadata: any MetadataStore, writer: UploadService, scans: SQLScanStore, vulnerabilities: SQLVulnerabilityStore,
        settings: any ProjectSettingStore, external: ExternalScanner?, events: any EventSink, requests: RequestMetrics? = nil, node: String,
        logger: Logger
    ) {
        (self.content, self.metadata, self.scans, self.vulnerabilities, self.settings, self.external, self.events, self.node, self.logger) =
            (content, metadata, scans, vulnerabilities, settings, external, events, node, logger)
        self.requests = requests
        sboms = SBOMReferrers(writer: writer, metadata: metadata)
        matcher = VulnerabilityMatcher(store: vulnerabilities)
        rematcher = ReportRematcher(scans: scans, matcher: matcher)
    }

    /// A background turn: each free slot of this node becomes a worker that
    /// goes on claiming queued scans until none is left, so a queue of quick
    /// rematches (after a database update) is not paced by the turns.
    public func tick(now: Date = Date()) async throws {
        try await readDatabaseAge(now: now)
        while running.load(ordering: .acquiring) < Self.concurrency,
              try await scans.hasWaiting(staleBefore: now.addingTimeInterval(-Self.staleAfter)) {
            running.add(1, ordering: .acquiringAndReleasing)
            Task {
                defer { running.subtract(1, ordering: .acquiringAndReleasing) }
                await work()
            }
        }
    }

    /// Queued rematches first, many at a time, then scans one by one, until
    /// none is left. One worker at a time takes rematches: after a database
    /// update they are thousands, and one core is left to serve requests
    /// while they run. A failed claim ends the worker; the next turn starts another.
    private func work() async {
        while true {
            if rematching.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged {
                let batch = try? await scans.claimRematches(node: node, now: Date(), limit: Self.rematchBatch)
                if let batch, !batch.isEmpty {
                    let started = ContinuousClock.now
                    await rematch(batch)
                    await yieldToWrites(after: ContinuousClock.now - started)
                }
                rematching.store(false, ordering: .releasing)
                if let batch, !batch.isEmpty { continue }
            }
            let now = Date()
            guard let claimed = try? await scans.claim(node: node, now: now, staleBefore: now.addingTimeInterval(-Self.staleAfter)) else { return }
            await run(claimed)
        }
    }

    /// While requests write (pushes), rematches take turns with them: after
    /// a batch, the worker waits as long as the batch took. A rematch can
    /// wait; a push holds a client (and, on SQLite, waits for the one writer).
    private func yieldToWrites(after elapsed: Duration) async {
        guard let requests else { return }
        let seen = requests.writesAnswered
        if lastWrites.exchange(seen, ordering: .relaxed) != seen { try? await Task.sleep(for: elapsed) }
    }

    /// The database's age for the metrics, read once a minute (every 5 s while it is empty).
    private func readDatabaseAge(now: Date) async throws {
        let empty = metrics.databaseUpdatedAt.withLock { $0 == nil }
        let due = databaseRead.withLock { last in
            guard last.map({ now.timeIntervalSince($0) >= (empty ? 5 : 60) }) ?? true else { return false }
            last = now
            return true
        }
        guard due else { return }
        let updated = try await vulnerabilities.lastImport()
        metrics.databaseUpdatedAt.withLock { $0 = updated }
    }

    private func run(_ claimed: SQLScanStore.Claimed) async {
        let (repository, digest) = (claimed.repository, claimed.digest)
        let beat = Task { [scans, node] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(Self.beatInterval))
                try? await scans.beat(repository, digest, node: node, now: Date())
            }
        }
        defer { beat.cancel() }
        let started = ContinuousClock.now
        metrics.started()
        let name = try? RepositoryName(parsing: repository)
        let subject = try? Digest(parsing: digest)
        do {
            let summary: [String: Int]
            let packages: Int
            var matching: Duration?
            if claimed.matchOnly, let rematched = try await rematcher.rematch(repository, digest) {
                (summary, packages) = (ScanDocument.summary(counts: rematched.counts), rematched.evaluated)
            } else {
                let (report, installed, findings) = try await scan(repository, digest)
                try await scans.finish(
                    repository, digest, report: String(decoding: try ScanDocument.encoder().encode(report.stored), as: UTF8.self), packages: installed,
                    findings: findings.map(\.stored), matchedAt: report.matchedAt)
                (summary, packages, matching) = (ScanDocument.summary(findings.map(\.severity)), report.stored.packages, report.matchDuration)
            }
            metrics.ended(succeeded: true, seconds: Self.seconds(since: started))
            recordCompletion(repository, digest, summary)
            // A rematch counts the packages it evaluated again.
            var logged: Logger.Metadata = [
                "repository": "\(repository)", "digest": "\(digest)", "packages": "\(packages)",
                "vulnerabilities": "\(summary.values.reduce(0, +))", "duration": "\(ContinuousClock.now - started)",
            ]
            if let matching { logged["matching"] = "\(matching)" }
            logger.info(claimed.matchOnly ? "artifact matched again" : "artifact scanned", metadata: logged)
        } catch {
            metrics.ended(succeeded: false, seconds: Self.seconds(since: started))
            events.record(RegistryEvent(.scanFailed, actor: .system, repository: name, digest: subject, result: "failure", detail: "\(error)"))
            logger.warning("a scan failed", metadata: ["repository": "\(repository)", "digest": "\(digest)", "error": "\(error)"])
            try? await scans.fail(repository, digest, error: "\(error)")
        }
    }

    /// Rematches of a batch; one that has no report to start from, or a
    /// batch that fails, goes through `run` one artifact at a time (a full
    /// scan, or a failure recorded for that artifact).
    private func rematch(_ batch: [SQLScanStore.Claimed]) async {
        let started = ContinuousClock.now
        let results: [(evaluated: Int, counts: [String: Int])?]
        do {
            results = try await rematcher.rematch(batch)
        } catch {
            logger.warning("a batch of rematches failed; each is run alone", metadata: ["count": "\(batch.count)", "error": "\(error)"])
            for claimed in batch { await run(claimed) }
            return
        }
        let elapsed = ContinuousClock.now - started
        for (claimed, result) in zip(batch, results) {
            guard let result else {
                await run(claimed)
                continue
            }
            metrics.started()
            metrics.ended(succeeded: true, seconds: Self.seconds(since: started) / Double(batch.count))
            let summary = ScanDocument.summary(counts: result.counts)
            recordCompletion(claimed.repository, claimed.digest, summary)
            logger.info("artifact matched again", metadata: [
                "repository": "\(claimed.repository)", "digest": "\(claimed.digest)", "packages": "\(result.evaluated)",
                "vulnerabilities": "\(summary.values.reduce(0, +))", "duration": "\(elapsed / batch.count)", "batch": "\(batch.count)",
            ])
        }
    }

    /// `scan.completed`, with the counts per severity, highest first.
    private func recordCompletion(_ repository: String, _ digest: String, _ summary: [String: Int]) {
        let counts = SeverityLevel.allCases.reversed().map { "\($0.rawValue) \(summary[$0.rawValue] ?? 0)" }.joined(separator: ", ")
        events.record(RegistryEvent(
            .scanCompleted, actor: .system, repository: try? RepositoryName(parsing: repository), digest: try? Digest(parsing: digest), detail: counts))
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// The packages and vulnerabilities of an image, or of each image of an index.
    public func scan(_ repository: String, _ digest: String) async throws -> (report: ScanReport, packages: [InstalledPackage], findings: [Finding]) {
        let name = try RepositoryName(parsing: repository)
        guard let stored = try await metadata.manifest(name, .digest(try Digest(parsing: digest))) else {
            throw ScanFailure("\(repository)@\(digest) is not stored here")
        }
        let manifest = try Manifest(parsing: [UInt8](stored.content), contentType: stored.mediaType)
        var images: [(manifest: Manifest, platform: String?, digest: String, mediaType: String)] = []
        if manifest.kind == .index {
            for child in manifest.manifests.prefix(Self.imagesPerIndex) {
                guard let image = try await metadata.manifest(name, .digest(child.digest)) else { continue }
                let parsed = try Manifest(parsing: [UInt8](image.content), contentType: image.mediaType)
                let platform = child.platform.map { [$0.os, $0.architecture, $0.variant].compactMap { $0 }.joined(separator: "/") }
                if parsed.kind == .image { images.append((parsed, platform, child.digest.description, image.mediaType)) }
            }
        } else if manifest.subject == nil {
            images = [(manifest, nil, digest, stored.mediaType)]
        }
        let scanner = try await scannerChoice(of: name.project)
        guard !scanner.usesExternal || external != nil else {
            throw ScanFailure("project \(name.project) scans with an external scanner, and this server has no scanner_url")
        }
        // A referrer (a signature, an SBOM) has no packages of its own: its report is empty.
        var packages: Set<DetectedPackage> = []
        var distribution: Distribution?
        var skipped: [String] = []
        var documents: [ScanReport.Documents] = []
        for (image, platform, _, _) in images where scanner.usesBuiltin {
            let found = try await contents(of: image, in: name, skipped: &skipped)
            packages.formUnion(found.packages)
            distribution = distribution ?? found.distribution
            let stored = try await sboms.store(
                for: image, in: name, platform: platform, created: try await created(image, in: name), distribution: found.distribution,
                packages: found.packages)
            documents.append(.init(platform: platform, cyclonedx: stored.cycloneDX.description, spdx: stored.spdx.description))
        }
        let installed = packages.map { InstalledPackage(ecosystem: $0.ecosystem, name: $0.name, version: $0.version, source: $0.source) }
            .sorted { ($0.ecosystem, $0.name, $0.version) < ($1.ecosystem, $1.name, $1.version) }
        // Taken before the database is read: a later rematch looks for changes from here (an external scanner may take minutes).
        let matchedAt = Date()
        let matching = ContinuousClock.now
        var findings = try await matcher.findings(for: installed)
        let matchDuration = ContinuousClock.now - matching
        if scanner.usesExternal, let external {
            // An index's images share most packages: each finding once.
            var seen: Set<[String]> = []
            for image in images {
                for finding in try await external.findings(repository: repository, digest: image.digest, mediaType: image.mediaType)
                where seen.insert([finding.id, finding.package, finding.installedVersion]).inserted {
                    findings.append(finding)
                }
            }
        }
        let report = ScanReport(
            stored: .init(
                repository: repository, digest: digest, scannedAt: Date(), distribution: distribution.map { "\($0.id) \($0.versionID ?? "")" },
                packages: packages.count, skippedLayers: skipped, sbom: documents.first, sboms: documents),
            matchedAt: matchedAt, matchDuration: matchDuration)
        return (report, installed, findings)
    }

    private func scannerChoice(of project: String) async throws -> ScanningSettings.Scanner {
        guard let text = try await settings.setting(.scanning, of: project),
              let setting = try? JSONDecoder().decode(ScanningSettings.self, from: Data(text.utf8))
        else { return .builtin }
        return setting.scanner
    }

    /// When the image says it was built (its config's `created`), for its SBOMs; the epoch when it does not say.
    private func created(_ image: Manifest, in repository: RepositoryName) async throws -> Date {
        guard let config = image.config, config.size <= 1 << 20 else { return Date(timeIntervalSince1970: 0) }
        let chunks = try await content.read(try await content.readableBlob(repository, config.digest), range: nil)
        var bytes: [UInt8] = []
        for try await chunk in chunks { bytes += chunk.readableBytesView }
        struct Config: Decodable { let created: String? }
        guard let text = (try? JSONDecoder().decode(Config.self, from: Data(bytes)))?.created else { return Date(timeIntervalSince1970: 0) }
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text) ?? Date(timeIntervalSince1970: 0)
    }

    /// Reads an image's layers in order into one SBOM.
    private func contents(of image: Manifest, in repository: RepositoryName, skipped: inout [String]) async throws -> (distribution: Distribution?, packages: [DetectedPackage]) {
        var builder = SBOMBuilder()
        for layer in image.layers {
            let type = layer.mediaType
            let gzipped = type.hasSuffix("tar+gzip") || type.hasSuffix("tar.gzip") || type == "application/vnd.docker.image.rootfs.diff.tar.gzip"
            let plain = type.hasSuffix(".tar") || type.hasSuffix("layer.v1.tar")
            guard gzipped || plain else {
                skipped.append("\(layer.digest) (\(type))")
                continue
            }
            let chunks = try await content.read(try await content.readableBlob(repository, layer.digest), range: nil)
            let gunzip = gzipped ? try Gunzip() : nil
            for try await chunk in chunks {
                try chunk.withUnsafeReadableBytes { bytes in
                    if let gunzip {
                        try gunzip.feed(bytes) { try builder.feed(layer: $0) }
                    } else {
                        try builder.feed(layer: bytes)
                    }
                }
            }
            try gunzip?.finish()
            try builder.endLayer()
        }
        return builder.result()
    }
}

/// What a scan found: the report it stores and when it matched.
public struct ScanReport: Sendable {
    public let stored: Stored
    /// Taken before the database was read: a later rematch looks for changes from here.
    public let matchedAt: Date
    /// How long Berth's own matching took (logged).
    public let matchDuration: Duration

    /// The report as stored, but its findings, which are rows of their own
    /// (`ScanDocument` joins them in, with their counts and the match time).
    public struct Stored: Sendable, Codable {
        public let repository: String
        public let digest: String
        /// When the layers were read.
        public let scannedAt: Date
        public let distribution: String?
        /// Packages found.
        public let packages: Int
        /// Layers not read (a media type that is not a tar layer, or zstd).
        public let skippedLayers: [String]
        /// The image's SBOM referrers (an index: its first image's), and each image's.
        public let sbom: Documents?
        public let sboms: [Documents]

        enum CodingKeys: String, CodingKey {
            case repository, digest, distribution, packages, sbom, sboms
            case scannedAt = "scanned_at", skippedLayers = "skipped_layers"
        }
    }

    public struct Documents: Sendable, Codable {
        public let platform: String?
        public let cyclonedx: String
        public let spdx: String
    }
}

public struct ScanFailure: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
