import BerthPolicies
import BerthRegistry
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The node's background work: one loop that every `interval` gives each
/// job the time and lets it decide whether it is due (a cron schedule, a
/// period, a change to watch). A failing job is logged and retried on its
/// next turn; it never stops the others.
struct BackgroundJobs: Service {
    struct Job: Sendable {
        let name: String
        let tick: @Sendable (Date) async throws -> Void
    }

    let jobs: [Job]
    let interval: Duration
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                for job in jobs {
                    do {
                        try await job.tick(Date())
                    } catch is CancellationError {
                        return
                    } catch {
                        logger.error("background job failed", metadata: ["job": "\(job.name)", "error": "\(error)"])
                    }
                }
                try await Task.sleep(for: interval)
            }
        }
    }
}

/// When a job is next due: on a cron schedule or every fixed period.
final class Trigger: Sendable {
    private enum Rule: Sendable {
        case cron(CronSchedule)
        case every(TimeInterval)
    }

    private let rule: Rule
    private let next: Mutex<Date>
    /// A due time to try again, and not before when.
    private let retrying = Mutex<(slot: Date, notBefore: Date)?>(nil)
    static let retryDelay: TimeInterval = 10

    init(cron: CronSchedule, now: Date = Date()) {
        rule = .cron(cron)
        next = Mutex(cron.next(after: now) ?? .distantFuture)
    }

    /// Due first right away, then every `period`.
    init(every period: TimeInterval, now: Date = Date()) {
        rule = .every(period)
        next = Mutex(now)
    }

    /// The due time, once per due time (then advances to the following
    /// one); nil when not due. Cron due times are the same on every node.
    func fire(at now: Date) -> Date? {
        if let slot = retrying.withLock({ state -> Date? in
            guard let pending = state, now >= pending.notBefore else { return nil }
            state = nil
            return pending.slot
        }) {
            return slot
        }
        return next.withLock { next in
            guard now >= next else { return nil }
            let due = next
            switch rule {
            case .cron(let schedule): next = schedule.next(after: now) ?? .distantFuture
            case .every(let period): next = now.addingTimeInterval(period)
            }
            return due
        }
    }

    /// Fires `slot` again after a while: another node was running it and may die.
    func retry(_ slot: Date, now: Date = Date()) {
        retrying.withLock { $0 = (slot, now.addingTimeInterval(Self.retryDelay)) }
    }

    /// Runs `job` for each due time; a time another node holds is tried again
    /// until it is done somewhere.
    func run(at now: Date, _ job: (Date) async throws -> Void) async throws {
        guard let slot = fire(at: now) else { return }
        do {
            try await job(slot)
        } catch let skipped as JobSkipped {
            if skipped.retryLater { retry(slot, now: now) }
        }
    }
}
