import BerthMetadata
import BerthVulnerabilities
import Foundation
import Synchronization

/// The advisories naming each package, decoded, kept between matches while
/// the database is quiet. Images share most of their packages, and most
/// packages have no advisory at all, so a warm match reads nothing but the
/// newest change's time; reading and decoding ~8,000 records was most of a
/// cold match's time.
///
/// A package's entry holds while no change newer than its fill time less
/// the commit margin is visible: an import stamps its changes when its
/// transaction runs, a little before it commits, so a commit that made an
/// entry stale carries a stamp past that bound, and is seen at the first
/// match after it. For a minute after an import, matches read afresh.
final class AdvisoryCache: Sendable {
    private struct Entry: Sendable {
        let records: [OSVRecord]
        let filledAt: Date
    }

    private struct Entries: Sendable {
        var byPackage: [PackageKey: Entry] = [:]
        var records = 0
    }

    private let entries = Mutex(Entries())
    let store: SQLVulnerabilityStore
    /// Records held, at most (a package without advisories counts as one);
    /// when full it empties, and refills with the packages still in use.
    let capacity: Int

    init(store: SQLVulnerabilityStore, capacity: Int = 20_000) {
        (self.store, self.capacity) = (store, capacity)
    }

    /// The records naming each of `names` in `ecosystem` (undecodable ones left out).
    func records(in ecosystem: String, naming names: [String]) async throws -> [String: [OSVRecord]] {
        let wanted = Set(names)
        let fresh = try await store.newestChange().map { $0.addingTimeInterval(ReportRematcher.changeMargin) }
        var found: [String: [OSVRecord]] = [:]
        entries.withLock { entries in
            for name in wanted {
                guard let entry = entries.byPackage[PackageKey(ecosystem: ecosystem, name: name)], fresh.map({ $0 <= entry.filledAt }) ?? true
                else { continue }
                found[name] = entry.records
            }
        }
        let missing = wanted.filter { found[$0] == nil }
        guard !missing.isEmpty else { return found }
        // Taken before the read: the entries are as new as the database was then, or newer.
        let filledAt = Date()
        let texts = try await store.records(in: ecosystem, naming: Array(missing))
        var filled: [PackageKey: Entry] = [:]
        for name in missing {
            let records = (texts[name] ?? []).compactMap { try? OSVRecord.decode(Data($0.utf8)) }
            found[name] = records
            filled[PackageKey(ecosystem: ecosystem, name: name)] = Entry(records: records, filledAt: filledAt)
        }
        entries.withLock { entries in
            let adding = filled.values.reduce(0) { $0 + max(1, $1.records.count) }
            if entries.records + adding > capacity { entries = Entries() }
            for (key, entry) in filled {
                if let replaced = entries.byPackage.updateValue(entry, forKey: key) { entries.records -= max(1, replaced.records.count) }
                entries.records += max(1, entry.records.count)
            }
        }
        return found
    }
}
