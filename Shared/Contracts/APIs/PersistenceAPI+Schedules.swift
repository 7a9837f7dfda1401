public import FoundationEssentials

/// A schedule as the scheduler saves it: the definition it validated and the next fire it computed.
public struct SaveSchedule: Codable, Sendable, Equatable {
    /// Set for an update; absent for a new schedule.
    public var id: Int?
    public var definition: ScheduleDefinition
    public var nextRunAt: Date?
    public init(id: Int? = nil, definition: ScheduleDefinition, nextRunAt: Date?) {
        self.id = id
        self.definition = definition
        self.nextRunAt = nextRunAt
    }
}

public struct ListSchedules: PagedRequest, Equatable {
    public var enabled: Bool?
    public var cursor: String?
    public var limit: Int?
    public init(enabled: Bool? = nil, cursor: String? = nil, limit: Int? = nil) {
        self.enabled = enabled
        self.cursor = cursor
        self.limit = limit
    }
}

/// Changes whenever any schedule is created, edited or deleted.
public struct ScheduleChangeMark: Codable, Sendable, Equatable {
    public var mark: Int
    public init(mark: Int) { self.mark = mark }
}

/// Records one fire of a schedule, before it is dispatched.
public struct RecordFire: Codable, Sendable, Equatable {
    public var id: Int
    /// The scheduled time being fired.
    public var fireTime: Date
    /// The leader's fencing token; a token older than the newest seen is refused.
    public var fence: Int
    /// The schedule's next fire after this one (`nil`: none, e.g. a one-off).
    public var nextRunAt: Date?
    public init(id: Int, fireTime: Date, fence: Int, nextRunAt: Date?) {
        self.id = id
        self.fireTime = fireTime
        self.fence = fence
        self.nextRunAt = nextRunAt
    }
}

/// Whether the fire was recorded now (false: it was recorded before, so it must not be dispatched again).
public struct FireRecorded: Codable, Sendable, Equatable {
    public var recorded: Bool
    public var schedule: Schedule
    public init(recorded: Bool, schedule: Schedule) {
        self.recorded = recorded
        self.schedule = schedule
    }
}

/// Advances a schedule's next fire without firing (skipped misfires).
public struct AdvanceSchedule: Codable, Sendable, Equatable {
    public var id: Int
    public var nextRunAt: Date?
    public var fence: Int
    public init(id: Int, nextRunAt: Date?, fence: Int) {
        self.id = id
        self.nextRunAt = nextRunAt
        self.fence = fence
    }
}

extension PersistenceAPI {
    public static let createSchedule = Endpoint<SaveSchedule, Schedule>(.post, "/v1/schedules", scopes: .services, summary: "Store a new schedule")
    public static let updateSchedule = Endpoint<SaveSchedule, Schedule>(.put, "/v1/schedules/{id}", scopes: .services, summary: "Replace a schedule")
    public static let deleteSchedule = Endpoint<ByID, Deleted>(.delete, "/v1/schedules/{id}", scopes: .services, summary: "Delete a schedule")
    public static let listSchedules = Endpoint<ListSchedules, Page<Schedule>>(.get, "/v1/schedules", scopes: .readers, summary: "List schedules")
    public static let getSchedule = Endpoint<ByID, Schedule>(.get, "/v1/schedules/{id}", scopes: .readers, summary: "One schedule")
    public static let scheduleChangeMark = Endpoint<Empty, ScheduleChangeMark>(
        .get, "/v1/schedule-changes", scopes: .readers, summary: "A number that changes with every schedule edit"
    )
    public static let recordFire = Endpoint<RecordFire, FireRecorded>(
        .post, "/v1/schedules/{id}/fires", scopes: .services, summary: "Record a fire once, under the leader's fencing token"
    )
    public static let advanceSchedule = Endpoint<AdvanceSchedule, Schedule>(
        .post, "/v1/schedules/{id}/advance", scopes: .services, summary: "Move a schedule's next fire without firing"
    )
}
