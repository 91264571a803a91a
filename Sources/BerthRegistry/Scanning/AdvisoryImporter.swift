import BerthMetadata
import BerthVulnerabilities
import Foundation

/// Loads OSV advisories into the vulnerability database: OSV's
/// per-ecosystem `all.zip` archives (one JSON record per entry), or a
/// folder of records and archives. A malformed record is counted and
/// skipped, never fatal: one bad record must not keep a database of
/// 100,000 from updating. Withdrawn records are removed. When the
/// database changed, every artifact scanned before is queued to be matched
/// again (its kept packages only: no layer is read).
public struct AdvisoryImporter: Sendable {
    let store: SQLVulnerabilityStore
    let scans: SQLScanStore

    public struct Report: Sendable, Codable, Equatable {
        public var read = 0
        /// New or newer than the copy kept.
        public var stored = 0
        public var unchanged = 0
        public var withdrawn = 0
        public var invalid = 0
        /// Artifacts queued to be matched again, since records changed.
        public var rematches = 0
        /// The first problems, naming their entries.
        public var problems: [String] = []

        mutating func problem(_ text: String) {
            invalid += 1
            if problems.count < 20 { problems.append(text) }
        }
    }

    /// Records are written in batches of this many (one transaction each).
    static let batchSize = 500
    /// The largest archive read (OSV's biggest ecosystem archives are a few hundred MiB).
    public static let largestArchive = 2 << 30

    public init(store: SQLVulnerabilityStore, scans: SQLScanStore) { (self.store, self.scans) = (store, scans) }

    /// Imports an `all.zip` archive held in memory.
    public func importArchive(_ data: Data) async throws -> Report {
        let started = Date()
        var report = Report()
        try await importArchive(data, named: "archive", into: &report)
        try await queueRematches(&report, changedAfter: started)
        return report
    }

    /// The artifacts holding a package whose advisories this import changed are matched again.
    private func queueRematches(_ report: inout Report, changedAfter started: Date) async throws {
        guard report.stored + report.withdrawn > 0 else { return }
        // Changes are stamped by this node's clock during the import: a second's margin is plenty.
        report.rematches = try await scans.requestRematch(ofChangesAfter: started.addingTimeInterval(-1))
    }

    /// Imports a `.zip` archive, a `.json` record, or every one of those in a folder (not its subfolders).
    public func importPath(_ path: String) async throws -> Report {
        let started = Date()
        var report = Report()
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { throw ImportFailure("\(path) does not exist") }
        let files = isFolder.boolValue
            ? try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".zip") || $0.hasSuffix(".json") }.sorted()
                .map { path + "/" + $0 }
            : [path]
        var pending: [OSVRecord.Named] = []
        for file in files {
            let size = (try FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.intValue ?? 0
            if file.hasSuffix(".zip") {
                guard size <= Self.largestArchive else { throw ImportFailure("\(file) is larger than \(Self.largestArchive >> 20) MiB") }
                try await importArchive(try Data(contentsOf: URL(fileURLWithPath: file)), named: file, into: &report)
            } else {
                guard size <= OSVRecord.maxEncodedSize else {
                    report.problem("\(file): larger than \(OSVRecord.maxEncodedSize) bytes")
                    continue
                }
                pending.append(.init(name: file, bytes: try Data(contentsOf: URL(fileURLWithPath: file))))
                if pending.count >= Self.batchSize { try await store(&pending, into: &report) }
            }
        }
        try await store(&pending, into: &report)
        try await queueRematches(&report, changedAfter: started)
        return report
    }

    private func importArchive(_ data: Data, named name: String, into report: inout Report) async throws {
        let archive: OSVArchive
        do { archive = try OSVArchive(data: data) } catch { throw ImportFailure("\(name) is not a readable ZIP archive: \(error)") }
        var pending: [OSVRecord.Named] = []
        for entry in archive.records() {
            switch entry {
            case .success(let record):
                pending.append(.init(name: record.name, bytes: record.bytes))
                if pending.count >= Self.batchSize { try await store(&pending, into: &report) }
            case .failure(let error):
                report.read += 1
                report.problem("\(name): \(error)")
            }
        }
        try await store(&pending, into: &report)
    }

    private func store(_ pending: inout [OSVRecord.Named], into report: inout Report) async throws {
        var advisories: [StoredAdvisory] = []
        var withdrawn: [String] = []
        for entry in pending {
            report.read += 1
            let record: OSVRecord
            do { record = try OSVRecord.decode(entry.bytes) } catch {
                report.problem("\(entry.name): \(error)")
                continue
            }
            if record.isWithdrawn {
                withdrawn.append(record.id)
                continue
            }
            let packages = record.affected.compactMap { $0.package }.map { PackageKey(ecosystem: $0.ecosystem, name: $0.name) }
            advisories.append(StoredAdvisory(
                id: record.id, modified: record.modified, record: String(decoding: entry.bytes, as: UTF8.self), packages: packages))
        }
        pending = []
        let stored = try await store.store(advisories)
        report.stored += stored
        report.unchanged += advisories.count - stored
        report.withdrawn += try await store.remove(ids: withdrawn)
    }
}

extension OSVRecord {
    /// A record's bytes and where they came from (an archive entry or a file).
    struct Named {
        let name: String
        let bytes: Data
    }
}

public struct ImportFailure: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
