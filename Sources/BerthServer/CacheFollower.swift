import BerthMetadata
import Logging
import ServiceLifecycle

/// Keeps the caches of a node sharing a PostgreSQL database (the pull
/// cache, the project settings) true to the other nodes' writes: the
/// database's notifications (see `ContentChange`) drop what they change,
/// and while the notifications do not arrive the caches stand aside, so a
/// lost connection can delay nothing but this node's speed.
struct CacheFollower: Service {
    let database: PostgresBackend
    let caches: [any FollowsChanges]
    let logger: Logger

    func run() async throws {
        let (caches, logger) = (caches, logger)
        await cancelWhenGracefulShutdown {
            await database.follow(channel: ContentChange.channel) { notice in
                switch notice {
                case .listening:
                    for cache in caches { cache.following() }
                    logger.debug("the caches follow other nodes' changes")
                case .notified(let payload):
                    let change = ContentChange(notification: payload)
                    for cache in caches { cache.changed(change) }
                case .lost(let reason):
                    for cache in caches { cache.lostTrack() }
                    logger.warning(
                        "the caches stand aside (the pull cache, project settings): other nodes' changes do not reach this node", metadata: ["reason": "\(reason)"])
                }
            }
        }
    }
}
