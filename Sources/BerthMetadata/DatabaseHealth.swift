import Foundation
import Logging
import Synchronization

/// Whether the database answers, for `/healthz`: a `SELECT 1` bounded by a
/// short timeout, its result remembered briefly so that a load balancer
/// polling every node often costs the database one query per interval;
/// callers arriving while a check runs share it. The answer says briefly
/// what is wrong (no addresses: anyone may ask); the log has the details,
/// once per change.
public final class DatabaseHealth: Sendable {
    public enum Status: Sendable, Equatable {
        case ok
        /// Why the database is not usable, briefly (never an address or the password).
        case unavailable(String)
    }

    private let backend: any SQLBackend
    private let timeout: Duration
    private let cacheFor: Duration
    private let logger: Logger
    private let state = Mutex<State>(State())

    private struct State {
        var last: (at: ContinuousClock.Instant, status: Status)?
        var running: Task<Status, Never>?
    }

    public init(
        _ backend: any SQLBackend, timeout: Duration = .seconds(2), cacheFor: Duration = .seconds(1),
        logger: Logger = Logger(label: "berth.health")
    ) {
        self.backend = backend
        self.logger = logger
        self.timeout = timeout
        self.cacheFor = cacheFor
    }

    /// The last result if younger than `cacheFor`, else a new check's.
    public func status() async -> Status {
        let (cached, task) = state.withLock { state -> (Status?, Task<Status, Never>?) in
            if let running = state.running { return (nil, running) }
            if let last = state.last, last.at.duration(to: .now) < cacheFor { return (last.status, nil) }
            let task = Task { await self.check() }
            state.running = task
            return (nil, task)
        }
        if let cached { return cached }
        return await task!.value
    }

    private func check() async -> Status {
        let status: Status
        var detail: String?
        do {
            if let postgres = backend as? PostgresBackend {
                try await postgres.ping(timeout: timeout)
            } else {
                let backend = self.backend
                _ = try await PostgresBackend.withDeadline(timeout) {
                    try await backend.read { session in try session.rows("SELECT 1", []).count }
                } onLate: { _ in }
            }
            status = .ok
        } catch let error as DatabaseUnavailable {
            status = .unavailable(error.summary)
            detail = error.reason
        } catch {
            status = .unavailable("the query failed")
            detail = PostgresBackend.describe(error)
        }
        let previous = state.withLock { state in
            defer {
                state.last = (.now, status)
                state.running = nil
            }
            return state.last?.status
        }
        if status != previous {
            if let detail {
                logger.error("health check: the database is unavailable", metadata: ["error": "\(detail)"])
            } else if previous != nil {
                logger.notice("health check: the database answers again")
            }
        }
        return status
    }
}
