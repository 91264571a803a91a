import BerthMetadata
import Logging
import ServiceLifecycle

/// Keeps the pull cache of a node sharing a PostgreSQL database true to
/// the other nodes' writes: the database's notifications (see
/// `ContentChange`) drop what they change, and while the notifications do
/// not arrive the cache stands aside, so a lost connection can delay
/// nothing but this node's speed.
struct PullCacheFollower: Service {
    let database: PostgresBackend
    let cache: CachedMetadataStore
    let logger: Logger

    func run() async throws {
        let (cache, logger) = (cache, logger)
        try? await cancelWhenGracefulShutdown {
            await database.follow(channel: ContentChange.channel) { notice in
                switch notice {
                case .listening:
                    cache.following()
                    logger.debug("the pull cache follows other nodes' changes")
                case .notified(let payload):
                    cache.changed(ContentChange(notification: payload))
                case .lost(let reason):
                    cache.lostTrack()
                    logger.warning(
                        "the pull cache stands aside: other nodes' changes do not reach this node", metadata: ["reason": "\(reason)"])
                }
            }
        }
    }
}
