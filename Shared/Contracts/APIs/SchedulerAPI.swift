public import FoundationEssentials

/// The RPCs of `psync-scheduler`: schedules, validated and timed here, stored by persistence.
/// Any replica answers them; only the leader fires.
public enum SchedulerAPI {}

/// A schedule with its next few fire times.
public struct ScheduleView: Codable, Sendable, Equatable {
    public var schedule: Schedule
    /// The next fires from now (at most five), as the leader will send them.
    public var upcoming: [Date]
    public init(schedule: Schedule, upcoming: [Date]) {
        self.schedule = schedule
        self.upcoming = upcoming
    }
}

/// Changes some fields of a schedule; the others keep their values.
public struct SchedulePatch: Codable, Sendable, Equatable {
    public var id: Int
    public var name: String?
    public var kind: ScheduleKind?
    public var everySeconds: Int?
    public var cron: String?
    public var timeZone: String?
    public var runAt: Date?
    public var scope: SyncScope?
    public var actions: [JobAction]?
    public var enabled: Bool?
    public var misfirePolicy: MisfirePolicy?

    public init(
        id: Int,
        name: String? = nil,
        kind: ScheduleKind? = nil,
        everySeconds: Int? = nil,
        cron: String? = nil,
        timeZone: String? = nil,
        runAt: Date? = nil,
        scope: SyncScope? = nil,
        actions: [JobAction]? = nil,
        enabled: Bool? = nil,
        misfirePolicy: MisfirePolicy? = nil
    ) {
        self.id = id
        self.name = name
        self.kind = kind
        self.everySeconds = everySeconds
        self.cron = cron
        self.timeZone = timeZone
        self.runAt = runAt
        self.scope = scope
        self.actions = actions
        self.enabled = enabled
        self.misfirePolicy = misfirePolicy
    }

    /// `definition` with this patch applied.
    public func applied(to definition: ScheduleDefinition) -> ScheduleDefinition {
        var result = definition
        if let name { result.name = name }
        if let kind { result.kind = kind }
        if let everySeconds { result.everySeconds = everySeconds }
        if let cron { result.cron = cron }
        if let timeZone { result.timeZone = timeZone }
        if let runAt { result.runAt = runAt }
        if let scope { result.scope = scope }
        if let actions { result.actions = actions }
        if let enabled { result.enabled = enabled }
        if let misfirePolicy { result.misfirePolicy = misfirePolicy }
        return result
    }
}

/// A run-now: the fire recorded and sent to the dispatcher.
public struct ScheduleFired: Codable, Sendable, Equatable {
    public var scheduleID: Int
    /// The fire's time (now, to the millisecond), which names the run the dispatcher creates for it.
    public var fireTime: Date
    public init(scheduleID: Int, fireTime: Date) {
        self.scheduleID = scheduleID
        self.fireTime = fireTime
    }
}

/// Who leads the scheduler replicas.
public struct SchedulerStatus: Codable, Sendable, Equatable {
    /// The instance answering.
    public var instance: String
    /// The leader's instance id, if any replica holds the lease.
    public var leader: String?
    /// The leader's fencing token.
    public var fence: Int?
    public var isLeader: Bool
    /// Enabled schedules the leader is timing (only when this instance leads).
    public var schedules: Int?
    /// The earliest next fire among them.
    public var nextFireAt: Date?
    public init(instance: String, leader: String?, fence: Int?, isLeader: Bool, schedules: Int?, nextFireAt: Date?) {
        self.instance = instance
        self.leader = leader
        self.fence = fence
        self.isLeader = isLeader
        self.schedules = schedules
        self.nextFireAt = nextFireAt
    }
}

extension SchedulerAPI {
    public static let createSchedule = Endpoint<ScheduleDefinition, ScheduleView>(
        .post, "/v1/schedules", scopes: .administrators.and(.monitor), summary: "Create a schedule (interval, cron in a time zone, or once)"
    )
    public static let updateSchedule = Endpoint<SchedulePatch, ScheduleView>(
        .patch, "/v1/schedules/{id}", scopes: .administrators.and(.monitor), summary: "Change some fields of a schedule; the next fire is recomputed"
    )
    public static let pauseSchedule = Endpoint<ByID, ScheduleView>(
        .post, "/v1/schedules/{id}/pause", scopes: .administrators.and(.monitor), summary: "Stop firing")
    public static let resumeSchedule = Endpoint<ByID, ScheduleView>(
        .post, "/v1/schedules/{id}/resume", scopes: .administrators.and(.monitor), summary: "Fire again, from the next due time after now"
    )
    public static let deleteSchedule = Endpoint<ByID, Deleted>(
        .delete, "/v1/schedules/{id}", scopes: .administrators.and(.monitor), summary: "Delete a schedule")
    public static let runScheduleNow = Endpoint<ByID, ScheduleFired>(
        .post, "/v1/schedules/{id}/run", scopes: .administrators.and(.monitor), summary: "Fire a schedule now, outside its timing"
    )
    public static let listSchedules = Endpoint<ListSchedules, Page<ScheduleView>>(
        .get, "/v1/schedules", scopes: .readers.and(.monitor), summary: "List schedules with their next fire times"
    )
    public static let getSchedule = Endpoint<ByID, ScheduleView>(.get, "/v1/schedules/{id}", scopes: .readers.and(.monitor), summary: "One schedule")
    public static let status = Endpoint<Empty, SchedulerStatus>(.get, "/v1/scheduler", scopes: .readers, summary: "Which replica leads")
}
