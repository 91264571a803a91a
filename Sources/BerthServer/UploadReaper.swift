import BerthRegistry
import Foundation
import Logging
import ServiceLifecycle

/// Removes upload sessions abandoned by their clients, every `interval`.
struct UploadReaper: Service {
    let registry: RegistryService
    let maxAge: TimeInterval
    let interval: TimeInterval
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    _ = try await registry.reapUploads(olderThan: maxAge)
                } catch {
                    logger.error("reaping uploads failed", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: .seconds(interval))
            }
        }
    }
}
