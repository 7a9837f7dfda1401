import Contracts
import FoundationEssentials
import Hummingbird
import RPC
import Scheduling
import ServiceKit

/// The scheduler's RPCs: schedules are validated and timed here, stored by persistence; the
/// leader notices an edit within its poll interval. Any replica answers.
struct SchedulerRoutes: Sendable {
    let persistence: RPCClient<CurlTransport>
    let sender: FireSender
    let lease: LeaderLease
    let status: LeaderStatus
    let instance: String

    /// A one-off time this far in the past is still accepted (it fires at once).
    static let pastTolerance: TimeInterval = 60

    func register(on router: Router<ServiceRequestContext>) {
        router.on(SchedulerAPI.createSchedule) { definition, _ in try await create(definition) }
        router.on(SchedulerAPI.updateSchedule) { patch, _ in try await update(patch) }
        router.on(SchedulerAPI.pauseSchedule) { request, _ in try await update(SchedulePatch(id: request.id, enabled: false)) }
        router.on(SchedulerAPI.resumeSchedule) { request, _ in try await update(SchedulePatch(id: request.id, enabled: true)) }
        router.on(SchedulerAPI.deleteSchedule) { request, _ in try await persistence.callForwardingErrors(PersistenceAPI.deleteSchedule, request) }
        router.on(SchedulerAPI.runScheduleNow) { request, _ in try await runNow(request.id) }
        router.on(SchedulerAPI.listSchedules) { request, _ in try await list(request) }
        router.on(SchedulerAPI.getSchedule) { request, _ in
            view(try await persistence.callForwardingErrors(PersistenceAPI.getSchedule, request))
        }
        router.on(SchedulerAPI.status) { _, _ in try await currentStatus() }
    }

    private func create(_ definition: ScheduleDefinition) async throws -> ScheduleView {
        let next = try nextFire(of: definition, now: Date())
        return view(try await persistence.callForwardingErrors(PersistenceAPI.createSchedule, SaveSchedule(definition: definition, nextRunAt: next)))
    }

    /// Applies the patch; a change to when or whether it fires restarts its timing from now,
    /// any other change (name, scope, actions, policy) keeps the next fire as it was.
    private func update(_ patch: SchedulePatch) async throws -> ScheduleView {
        let current = try await persistence.callForwardingErrors(PersistenceAPI.getSchedule, ByID(id: patch.id))
        let definition = patch.applied(to: current.definition)
        let retimed =
            definition.kind != current.definition.kind || definition.everySeconds != current.definition.everySeconds
            || definition.cron != current.definition.cron || definition.timeZone != current.definition.timeZone
            || definition.runAt != current.definition.runAt || definition.enabled != current.definition.enabled
        let computed = try nextFire(of: definition, now: Date())
        let next = retimed || current.nextRunAt == nil ? computed : current.nextRunAt
        return view(
            try await persistence.callForwardingErrors(
                PersistenceAPI.updateSchedule, SaveSchedule(id: patch.id, definition: definition, nextRunAt: next)))
    }

    /// Records a fire at the current millisecond and sends it; any replica may, no lease needed.
    private func runNow(_ id: Int) async throws -> ScheduleFired {
        let schedule = try await persistence.callForwardingErrors(PersistenceAPI.getSchedule, ByID(id: id))
        let fireTime = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded(.down) / 1000)
        _ = try await persistence.callForwardingErrors(PersistenceAPI.recordFire, RecordFire(id: id, fireTime: fireTime, fence: nil))
        let message = FireMessage(scheduleID: id, fireTime: fireTime, scope: schedule.definition.scope, actions: schedule.definition.actions)
        do {
            _ = try await sender.send(message, as: nil)
        } catch {
            throw APIError.unavailable("the fire was recorded but Redis refused it (\(error)); the leader will send it")
        }
        // If this fails the leader finds the fire unsent and marks it (the stream has it once either way).
        _ = try? await persistence.call(PersistenceAPI.markFiresSent, MarkFiresSent(fires: [FireReference(scheduleID: id, fireTime: fireTime)]))
        return ScheduleFired(scheduleID: id, fireTime: fireTime)
    }

    private func list(_ request: ListSchedules) async throws -> Page<ScheduleView> {
        let page = try await persistence.callForwardingErrors(PersistenceAPI.listSchedules, request)
        return Page(items: page.items.map(view), nextCursor: page.nextCursor)
    }

    private func currentStatus() async throws -> SchedulerStatus {
        let local = status.current
        let holder: LeaderLease.Holding?
        do {
            holder = try await lease.current()
        } catch {
            throw APIError.unavailable("redis is unavailable: \(error)")
        }
        return SchedulerStatus(
            instance: instance, leader: holder?.instance, fence: holder?.fence, isLeader: local.holding != nil && local.holding == holder,
            schedules: local.holding == nil ? nil : local.schedules, nextFireAt: local.holding == nil ? nil : local.nextFireAt)
    }

    /// Validates the timing fields and computes the first fire after `now` (`nil` when disabled).
    func nextFire(of definition: ScheduleDefinition, now: Date) throws -> Date? {
        let rule: FireRule
        do {
            rule = try FireRule(definition, anchor: Self.anchor(now))
        } catch let problem as ScheduleProblem {
            throw APIError.unprocessable(problem.message, field: problem.field)
        }
        if definition.kind == .once, let runAt = definition.runAt, runAt < now.addingTimeInterval(-Self.pastTolerance), definition.enabled {
            throw APIError.unprocessable("runAt \(ISO8601.format(runAt)) is in the past; give a future time", field: "runAt")
        }
        guard definition.enabled else { return nil }
        switch definition.kind {
        case .once: return definition.runAt
        // One interval from now (run-now fires it at once).
        case .interval: return rule.nextFire(after: Self.anchor(now))
        case .cron: return rule.nextFire(after: now)
        }
    }

    /// Interval schedules are phased on whole seconds from when they were (re)timed.
    static func anchor(_ now: Date) -> Date {
        Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.up))
    }

    /// The schedule with its next five fires.
    func view(_ schedule: Schedule) -> ScheduleView {
        guard schedule.definition.enabled, let next = schedule.nextRunAt,
            let rule = try? FireRule(schedule.definition, anchor: next)
        else { return ScheduleView(schedule: schedule, upcoming: []) }
        return ScheduleView(schedule: schedule, upcoming: [next] + rule.upcoming(after: next, count: 4))
    }
}
