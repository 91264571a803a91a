import BerthMetadata
import BerthPolicies
import BerthRegistry
import BerthUI
import Foundation
import Synchronization

/// The node's background jobs, on schedules and triggers.
extension Server {
    /// Reaping abandoned uploads, scheduled garbage collection, and
    /// noticing content another process (`berth gc`) removed.
    func backgroundJobs() -> [BackgroundJobs.Job] {
        let (uploads, maintenance, metadata, cache, configuration) = (uploads, maintenance, metadata, cache, configuration)
        let reap = Trigger(every: configuration.uploadReapInterval)
        let pruneAudit = Trigger(every: min(3600, configuration.auditRetention / 4))
        var jobs = [
            BackgroundJobs.Job(name: "reap uploads") { now in
                // The first turn, at start, also settles what a crash left in the trash.
                if reap.fire(at: now) != nil {
                    _ = try await uploads.reapUploads(olderThan: configuration.uploadMaxAge)
                    _ = try await maintenance.collector.recoverTrash(now: now)
                }
            },
        ]
        jobs.append(BackgroundJobs.Job(name: "prune audit log") { now in
            if pruneAudit.fire(at: now) != nil { _ = try await metadata.audit.pruneAudit(olderThan: now.addingTimeInterval(-configuration.auditRetention)) }
        })
        // Web UI sessions that expired (a request would end them too, but many are never used again).
        let sweepSessions = Trigger(every: 600)
        if let authorizer {
            let sessions = webSessions(authorizer)
            jobs.append(BackgroundJobs.Job(name: "end expired web sessions") { now in
                if sweepSessions.fire(at: now) != nil { try await sessions.sweep(now: now) }
            })
        }
        // Entries every consumer has read are kept a day (for a consumer added later), then go.
        let pruneOutbox = Trigger(every: 3600)
        let relay = relay
        jobs.append(BackgroundJobs.Job(name: "prune event outbox") { now in
            if pruneOutbox.fire(at: now) != nil {
                _ = try await metadata.outbox.pruneEvents(readBy: relay.consumerNames, olderThan: now.addingTimeInterval(-86_400))
            }
        })
        // Every anonymous pull may queue a delivery: those that are over go after `webhook_retention`, a bounded batch at a time.
        let pruneDeliveries = Trigger(every: min(3600, configuration.webhookRetention / 4))
        jobs.append(BackgroundJobs.Job(name: "prune webhook deliveries") { now in
            if pruneDeliveries.fire(at: now) != nil {
                _ = try await metadata.webhooks.pruneDeliveries(
                    finishedBefore: now.addingTimeInterval(-configuration.webhookRetention), batch: 500, maxBatches: 200)
            }
        })
        if metadata.database.flavor == .sqlite {
            // `berth gc` from outside; on PostgreSQL the database's notifications tell the cache.
            let epoch = Mutex<Int64?>(nil)
            jobs.append(BackgroundJobs.Job(name: "watch content epoch") { _ in
                let current = try await metadata.collection.contentEpoch()
                let changed = epoch.withLock { seen in
                    defer { seen = current }
                    return seen != nil && seen != current
                }
                if changed { cache.forgetAll() }
            })
        }
        if let limiter = rateLimiter {
            // Counted pulls reach the database (and the other nodes) about once a second.
            let prune = Trigger(every: 600)
            jobs.append(BackgroundJobs.Job(name: "share pull rate counts") { now in
                try await limiter.sync(now: now)
                if prune.fire(at: now) != nil { try await limiter.prune(now: now) }
            })
        }
        jobs.append(retentionJob())
        let scanner = scanner
        jobs.append(BackgroundJobs.Job(name: "scans") { now in try await scanner.tick(now: now) })
        // Each blob cached checks its project's size limit; this catches what other nodes cached.
        let checkCaches = Trigger(every: 60)
        let (eviction, rules) = (eviction, metadata.rules)
        jobs.append(BackgroundJobs.Job(name: "cache size limits") { now in
            if checkCaches.fire(at: now) != nil {
                for (project, _) in try await rules.projects(with: .proxy) { eviction.nudge(project) }
            }
        })
        jobs.append(contentsOf: replicationJobs())
        if let downloader = vulndbDownloader, let schedule = CronSchedule(configuration.vulndbSchedule) {
            let trigger = Trigger(cron: schedule)
            let atStart = Trigger(every: .infinity)
            let vulnerabilities = metadata.vulnerabilities
            jobs.append(BackgroundJobs.Job(name: "download the vulnerability database") { now in
                // At start, while the database was never filled: the epoch names that run in every node's lease.
                if atStart.fire(at: now) != nil, try await vulnerabilities.lastImport() == nil {
                    downloader.start(slot: Date(timeIntervalSince1970: 0))
                }
                if let slot = trigger.fire(at: now) { downloader.start(slot: slot) }
            })
        }
        if let expression = configuration.gcSchedule, let schedule = CronSchedule(expression) {
            let trigger = Trigger(cron: schedule)
            let options = configuration.collection
            jobs.append(BackgroundJobs.Job(name: "garbage collection") { now in
                try await trigger.run(at: now) { slot in _ = try await maintenance.collectGarbage(options, slot: slot) }
            })
        }
        return jobs
    }

    /// Queues each cron rule's executions on its schedule (once per due
    /// time across the cluster: the due time names the execution), and
    /// starts the queued ones this node claims. Rules are re-read every 30 s.
    func replicationJobs() -> [BackgroundJobs.Job] {
        let (store, replicator) = (metadata.replication, replicator)
        let schedule = Self.cronJob(name: "replication schedules") {
            try await store.replicationRules().filter { $0.enabled && $0.trigger == .cron }.reduce(into: [:]) { $0[$1.name] = $1.cron }
        } run: { rule, slot in
            let id = "c-\(rule)-\(Int64(slot.timeIntervalSince1970))"
            _ = try await store.enqueue(ReplicationExecution(id: id, rule: rule, trigger: .cron, scope: nil), slot: slot)
        }
        // Every event-triggered copy is an execution: those that ended are kept 30 days, as history.
        let prune = Trigger(every: 3600)
        let pruneHistory = BackgroundJobs.Job(name: "prune replication history") { now in
            if prune.fire(at: now) != nil { _ = try await store.pruneExecutions(finishedBefore: now.addingTimeInterval(-30 * 86_400)) }
        }
        return [schedule, pruneHistory, BackgroundJobs.Job(name: "replication") { now in try await replicator.tick(now: now) }]
    }

    /// Runs each project's retention policy on its schedule.
    func retentionJob() -> BackgroundJobs.Job {
        let (metadata, maintenance) = (metadata, maintenance)
        return Self.cronJob(name: "retention") {
            try await metadata.rules.retentionPolicies().reduce(into: [:]) { schedules, entry in
                schedules[entry.project] = (try? JSONDecoder().decode(RetentionPolicy.self, from: Data(entry.policy.utf8)))?.schedule
            }
        } run: { project, slot in
            _ = try await maintenance.applyRetention(project: project, dryRun: false, slot: slot)
        }
    }

    /// A job over a changing set of cron schedules (`schedules`: key to
    /// expression, re-read every 30 s): `run(key, slot)` at each due time.
    /// A schedule that did not change keeps its trigger, so a due time is not lost to a re-read.
    static func cronJob(
        name: String, schedules: @escaping @Sendable () async throws -> [String: String],
        run: @escaping @Sendable (String, Date) async throws -> Void
    ) -> BackgroundJobs.Job {
        let reload = Trigger(every: 30)
        let triggers = Mutex<[String: (schedule: String, trigger: Trigger)]>([:])
        return BackgroundJobs.Job(name: name) { now in
            if reload.fire(at: now) != nil {
                var fresh: [String: (schedule: String, trigger: Trigger)] = [:]
                let known = triggers.withLock { $0 }
                for (key, text) in try await schedules() {
                    guard let cron = CronSchedule(text) else { continue }
                    fresh[key] = known[key].flatMap { $0.schedule == text ? $0 : nil } ?? (text, Trigger(cron: cron, now: now))
                }
                triggers.withLock { $0 = fresh }
            }
            for (key, entry) in triggers.withLock({ $0 }) {
                try await entry.trigger.run(at: now) { slot in try await run(key, slot) }
            }
        }
    }
}
