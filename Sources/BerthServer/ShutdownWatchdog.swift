#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Bounds a node's stop. Once the stop begins (SIGTERM, SIGINT, or a
/// service failing), the node has `limit` to finish its requests, stop its
/// services and close its stores; a stop still running then (a call that
/// ignores cancellation, a database that stopped answering) is logged with
/// the step it is stuck in and the process exits with status 1, as an
/// orchestrator's SIGKILL would end it, but with the reason in the log.
final class ShutdownWatchdog: Sendable {
    private let limit: TimeInterval
    private let logger: Logger
    private let step = Mutex("serving")
    private let armed = Atomic<Bool>(false)

    init(limit: TimeInterval, logger: Logger) {
        self.limit = limit
        self.logger = logger
    }

    /// Names the step of the stop now running, for the log if it overruns.
    func enter(_ step: String) {
        self.step.withLock { $0 = step }
    }

    /// Starts the count (once; later calls do nothing).
    func arm(because reason: String) {
        guard armed.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else { return }
        logger.notice("stopping", metadata: ["reason": "\(reason)", "limit": "\(limit)s"])
        let thread = Thread { [self] in
            Thread.sleep(forTimeInterval: limit)
            logger.error("the stop did not finish in time; exiting", metadata: ["step": "\(step.withLock { $0 })", "limit": "\(limit)s"])
            LineLogHandler.flush()
            _exit(1)
        }
        thread.name = "berth-shutdown-watchdog"
        thread.start()
    }

    /// A service that arms the watchdog when the graceful shutdown begins.
    var trigger: some Service { Trigger(watchdog: self) }

    private struct Trigger: Service {
        let watchdog: ShutdownWatchdog

        func run() async throws {
            do {
                try await gracefulShutdown()
                watchdog.enter("finishing requests and stopping the background services")
                watchdog.arm(because: "signal")
            } catch {
                // Cancelled: the group is stopping for another reason (a service failed); that stop is bounded too.
                watchdog.enter("cancelling the services")
                watchdog.arm(because: "cancelled")
            }
        }
    }
}
