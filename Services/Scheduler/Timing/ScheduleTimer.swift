import Contracts
import FoundationEssentials
import Logging
import Metrics
import RPC
import RedisClient
import Scheduling
import ServiceLifecycle
import Synchronization

/// What this replica knows about leadership, for the status RPC.
final class LeaderStatus: Sendable {
    struct State: Sendable {
        var holding: LeaderLease.Holding?
        var schedules = 0
        var nextFireAt: Date?
    }

    private let state = Mutex(State())

    var current: State { state.withLock { $0 } }

    func update(_ change: (inout State) -> Void) {
        state.withLock { change(&$0) }
    }
}

/// The scheduler's loop: every replica competes for the leader lease; the leader keeps the enabled
/// schedules in memory (reloading them within a poll interval of any edit), sleeps until the next
/// due time, and fires each due schedule by recording the fire, sending it, then advancing it.
struct ScheduleTimer: Service {
    let lease: LeaderLease
    let sender: FireSender
    let persistence: RPCClient<CurlTransport>
    let configuration: SchedulerConfiguration
    let status: LeaderStatus
    let logger: Logger

    private let fires = Counter(label: "psync_scheduler_fires_total")
    private let missed = Counter(label: "psync_scheduler_missed_fires_total")
    private let lateness = Timer(label: "psync_scheduler_fire_lateness_seconds")
    private let leading = Gauge(label: "psync_scheduler_leader")

    init(
        lease: LeaderLease,
        sender: FireSender,
        persistence: RPCClient<CurlTransport>,
        configuration: SchedulerConfiguration,
        status: LeaderStatus,
        logger: Logger
    ) {
        self.lease = lease
        self.sender = sender
        self.persistence = persistence
        self.configuration = configuration
        self.status = status
        self.logger = logger
    }

    /// How often the leader looks for fires recorded but never sent (and always when it takes over).
    static let recoveryInterval: Duration = .seconds(10)

    /// The lease moved to another replica (or could not be confirmed): stop firing at once.
    struct LostLeadership: Error {}

    func run() async throws {
        leading.record(0)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                if let holding = try await lease.acquire() {
                    logger.notice("leading the schedulers", metadata: ["fence": "\(holding.fence)"])
                    leading.record(1)
                    status.update { $0 = LeaderStatus.State(holding: holding) }
                    await lead(holding)
                    status.update { $0 = LeaderStatus.State() }
                    leading.record(0)
                    if Task.isShuttingDownGracefully || Task.isCancelled {
                        try? await lease.release(holding)
                        logger.notice("released the leader lease")
                        return
                    }
                    logger.warning("no longer leading", metadata: ["fence": "\(holding.fence)"])
                }
            } catch {
                logger.warning("leader election failed; retrying", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: configuration.leaseTTL / 5) }
        }
    }

    /// Fires schedules while the lease is ours; returns when it is not (or on shutdown).
    private func lead(_ holding: LeaderLease.Holding) async {
        let clock = ContinuousClock()
        var confirmedAt = clock.now
        var nextRenewal = clock.now + configuration.leaseTTL / 3
        var nextPoll = clock.now
        var nextRecovery = clock.now
        var mark: Int?
        var schedules: [Int: Schedule] = [:]
        // Fire only while the lease is surely ours: well inside its lifetime since the last renewal.
        let safeFor = configuration.leaseTTL * 2 / 3
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if clock.now >= nextRenewal {
                do {
                    guard try await lease.renew(holding) else { return }
                    confirmedAt = clock.now
                } catch {
                    logger.warning("could not renew the leader lease", metadata: ["error": "\(error)"])
                }
                nextRenewal = clock.now + configuration.leaseTTL / 3
            }
            guard clock.now - confirmedAt < safeFor else {
                logger.warning("cannot confirm the leader lease; stepping down")
                return
            }
            if clock.now >= nextPoll {
                nextPoll = clock.now + configuration.pollInterval
                do {
                    let latest = try await persistence.call(PersistenceAPI.scheduleChangeMark).mark
                    if latest != mark {
                        schedules = try await loadEnabled()
                        mark = latest
                        logger.debug("loaded schedules", metadata: ["count": "\(schedules.count)"])
                    }
                } catch {
                    logger.warning("could not load schedules", metadata: ["error": "\(error)"])
                }
            }
            if clock.now >= nextRecovery {
                nextRecovery = clock.now + Self.recoveryInterval
                do {
                    try await sendUnsent(holding)
                } catch is LostLeadership {
                    return
                } catch {
                    logger.warning("could not check for unsent fires", metadata: ["error": "\(error)"])
                }
            }
            for schedule in schedules.values.filter({ ($0.nextRunAt ?? .distantFuture) <= Date() }).sorted(by: { $0.nextRunAt! < $1.nextRunAt! }) {
                guard clock.now - confirmedAt < safeFor else { break }
                do {
                    let updated = try await fire(schedule, holding)
                    schedules[schedule.id] = updated.flatMap { $0.definition.enabled && $0.nextRunAt != nil ? $0 : nil }
                } catch is LostLeadership {
                    return
                } catch {
                    logger.warning("firing a schedule failed; retrying", metadata: ["schedule.id": "\(schedule.id)", "error": "\(error)"])
                    nextPoll = min(nextPoll, clock.now + .milliseconds(200))
                }
            }
            let next = schedules.values.compactMap(\.nextRunAt).min()
            status.update {
                $0.schedules = schedules.count
                $0.nextFireAt = next
            }
            var wake = min(nextRenewal, nextPoll, nextRecovery)
            if let next {
                let untilDue = next.timeIntervalSinceNow
                wake = min(wake, clock.now + (untilDue > 0 ? .milliseconds(Int64(untilDue * 1000) + 1) : .zero))
            }
            if wake > clock.now {
                let until = wake
                try? await cancelWhenGracefulShutdown { try await Task.sleep(until: until, clock: clock) }
            }
        }
    }

    /// Sends fires that were recorded but not marked sent: a scheduler died between the two (the
    /// schedule may since have been paused or edited, but the fire was decided). Those it did send are
    /// only marked; the send script's mark keeps each fire on the stream once.
    private func sendUnsent(_ holding: LeaderLease.Holding) async throws {
        let unsent = try await persistence.call(PersistenceAPI.unsentFires).fires
        guard !unsent.isEmpty else { return }
        var confirmed: [FireReference] = []
        for fire in unsent {
            switch try await sender.send(fire, as: holding) {
            case .notLeader:
                throw LostLeadership()
            case .sent:
                fires.increment()
                logger.notice(
                    "sent a fire a previous scheduler recorded but did not send",
                    metadata: ["schedule.id": "\(fire.scheduleID)", "fire.time": "\(ISO8601.format(fire.fireTime))"])
            case .alreadySent:
                break
            }
            confirmed.append(FireReference(scheduleID: fire.scheduleID, fireTime: fire.fireTime))
        }
        _ = try await persistence.call(PersistenceAPI.markFiresSent, MarkFiresSent(fires: confirmed))
    }

    private func loadEnabled() async throws -> [Int: Schedule] {
        var schedules: [Int: Schedule] = [:]
        var cursor: String?
        repeat {
            let page = try await persistence.call(PersistenceAPI.listSchedules, ListSchedules(enabled: true, cursor: cursor, limit: 500))
            for schedule in page.items where schedule.nextRunAt != nil { schedules[schedule.id] = schedule }
            cursor = page.nextCursor
        } while cursor != nil
        return schedules
    }

    /// Fires what is due of `schedule`; returns it as it now stands (`nil`: deleted).
    ///
    /// Each fire is recorded (once per schedule and fire time, under our fencing token), sent (once,
    /// while we hold the lease), and only then is the schedule advanced past it, so a leader that
    /// dies anywhere in between leaves its successor to finish the same fire, never to repeat it.
    private func fire(_ schedule: Schedule, _ holding: LeaderLease.Holding) async throws -> Schedule? {
        guard let due = schedule.nextRunAt else { return schedule }
        let rule: FireRule
        do {
            rule = try FireRule(schedule.definition, anchor: due)
        } catch {
            logger.error(
                "a stored schedule cannot be timed; it is skipped until edited", metadata: ["schedule.id": "\(schedule.id)", "error": "\(error)"])
            return nil
        }
        let now = Date()
        let plan = rule.plan(
            due: due, now: now, policy: schedule.definition.misfirePolicy, grace: configuration.misfireGrace, limit: configuration.misfireLimit)
        if plan.missed > 0 {
            missed.increment(by: plan.missed)
            logger.warning(
                "missed fires while no scheduler ran",
                metadata: [
                    "schedule.id": "\(schedule.id)", "missed": "\(plan.missed)", "policy": "\(schedule.definition.misfirePolicy.rawValue)",
                    "firing": "\(plan.fires.count)",
                ])
        }
        var current = schedule
        for (index, fireTime) in plan.fires.enumerated() {
            do {
                _ = try await persistence.call(PersistenceAPI.recordFire, RecordFire(id: schedule.id, fireTime: fireTime, fence: holding.fence))
            } catch let error as RPCError where error.status == 409 {
                throw LostLeadership()
            } catch let error as RPCError where error.status == 404 {
                return nil
            }
            let message = FireMessage(
                scheduleID: schedule.id, fireTime: fireTime, scope: schedule.definition.scope, actions: schedule.definition.actions)
            switch try await sender.send(message, as: holding) {
            case .notLeader:
                throw LostLeadership()
            case .sent:
                fires.increment()
                lateness.recordMilliseconds(max(0, Int64(Date().timeIntervalSince(fireTime) * 1000)))
                logger.info("fired", metadata: ["schedule.id": "\(schedule.id)", "fire.time": "\(ISO8601.format(fireTime))"])
            case .alreadySent:
                logger.info(
                    "fire already sent by a previous leader", metadata: ["schedule.id": "\(schedule.id)", "fire.time": "\(ISO8601.format(fireTime))"])
            }
            let next = index + 1 < plan.fires.count ? plan.fires[index + 1] : plan.next
            guard let advanced = try await advance(schedule, to: next, holding, sent: fireTime) else { return nil }
            current = advanced
            // Edited meanwhile: the edit decides what comes next.
            if current.version != schedule.version { return current }
        }
        if plan.fires.isEmpty { return try await advance(schedule, to: plan.next, holding) }
        return current
    }

    /// Moves the schedule's next fire, unless it was edited since `schedule` was loaded; `nil`: deleted.
    private func advance(_ schedule: Schedule, to next: Date?, _ holding: LeaderLease.Holding, sent: Date? = nil) async throws -> Schedule? {
        do {
            return try await persistence.call(
                PersistenceAPI.advanceSchedule,
                AdvanceSchedule(id: schedule.id, nextRunAt: next, fence: holding.fence, version: schedule.version, sentFireTime: sent))
        } catch let error as RPCError where error.status == 409 {
            throw LostLeadership()
        } catch let error as RPCError where error.status == 404 {
            return nil
        }
    }
}
