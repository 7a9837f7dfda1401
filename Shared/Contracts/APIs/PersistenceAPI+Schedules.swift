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

/// Records one fire of a schedule, before it is dispatched. It does not move the schedule: the
/// leader advances it (`advanceSchedule`) only after the fire is on the dispatch stream, so a leader
/// that dies in between leaves the fire due and its successor sends it (once: see the scheduler).
public struct RecordFire: Codable, Sendable, Equatable {
    public var id: Int
    /// The scheduled time being fired.
    public var fireTime: Date
    /// The leader's fencing token; a token older than the newest seen is refused. `nil` for a
    /// manual run-now, which any scheduler replica may record.
    public var fence: Int?
    public init(id: Int, fireTime: Date, fence: Int?) {
        self.id = id
        self.fireTime = fireTime
        self.fence = fence
    }
}

/// Whether the fire was recorded now (false: it was recorded before).
public struct FireRecorded: Codable, Sendable, Equatable {
    public var recorded: Bool
    public var schedule: Schedule
    public init(recorded: Bool, schedule: Schedule) {
        self.recorded = recorded
        self.schedule = schedule
    }
}

/// Moves a schedule's next fire (after a fire was sent, or past skipped misfires).
public struct AdvanceSchedule: Codable, Sendable, Equatable {
    public var id: Int
    /// `nil`: it never fires again; a one-off schedule is then disabled.
    public var nextRunAt: Date?
    public var fence: Int
    /// The schedule version the leader planned from: an edit since then wins, and nothing moves.
    public var version: Int
    /// The fire just sent, recorded as sent whatever happens to the schedule.
    public var sentFireTime: Date?
    public init(id: Int, nextRunAt: Date?, fence: Int, version: Int, sentFireTime: Date? = nil) {
        self.id = id
        self.nextRunAt = nextRunAt
        self.fence = fence
        self.version = version
        self.sentFireTime = sentFireTime
    }
}

/// One recorded fire of a schedule.
public struct FireReference: Codable, Sendable, Equatable, Hashable {
    public var scheduleID: Int
    public var fireTime: Date
    public init(scheduleID: Int, fireTime: Date) {
        self.scheduleID = scheduleID
        self.fireTime = fireTime
    }
}

/// Fires now known to be on the dispatch stream.
public struct MarkFiresSent: Codable, Sendable, Equatable {
    public var fires: [FireReference]
    public init(fires: [FireReference]) { self.fires = fires }
}

/// Fires recorded but not known to be sent (their scheduler died in between), oldest first, at most 1,000.
public struct UnsentFires: Codable, Sendable, Equatable {
    public var fires: [FireMessage]
    public init(fires: [FireMessage]) { self.fires = fires }
}

extension PersistenceAPI {
    public static let createSchedule = Endpoint<SaveSchedule, Schedule>(.post, "/v1/schedules", scopes: [.scheduler], summary: "Store a new schedule")
    public static let updateSchedule = Endpoint<SaveSchedule, Schedule>(
        .put, "/v1/schedules/{id}", scopes: [.scheduler], summary: "Replace a schedule")
    public static let deleteSchedule = Endpoint<ByID, Deleted>(.delete, "/v1/schedules/{id}", scopes: [.scheduler], summary: "Delete a schedule")
    public static let listSchedules = Endpoint<ListSchedules, Page<Schedule>>(
        .get, "/v1/schedules", scopes: .readers.and(.scheduler), summary: "List schedules")
    public static let getSchedule = Endpoint<ByID, Schedule>(.get, "/v1/schedules/{id}", scopes: .readers.and(.scheduler), summary: "One schedule")
    public static let scheduleChangeMark = Endpoint<Empty, ScheduleChangeMark>(
        .get, "/v1/schedule-changes", scopes: .readers.and(.scheduler), summary: "A number that changes with every schedule edit"
    )
    public static let recordFire = Endpoint<RecordFire, FireRecorded>(
        .post, "/v1/schedules/{id}/fires", scopes: [.scheduler], summary: "Record a fire once, under the leader's fencing token"
    )
    public static let markFiresSent = Endpoint<MarkFiresSent, StoredCount>(
        .post, "/v1/schedule-fires/sent", scopes: [.scheduler], summary: "Record that fires are on the dispatch stream"
    )
    public static let unsentFires = Endpoint<Empty, UnsentFires>(
        .get, "/v1/schedule-fires/unsent", scopes: [.scheduler], summary: "Fires recorded but not known to be sent, oldest first"
    )
    public static let advanceSchedule = Endpoint<AdvanceSchedule, Schedule>(
        .post, "/v1/schedules/{id}/advance", scopes: [.scheduler], summary: "Move a schedule's next fire without firing"
    )
}

/// One fire of a schedule, with the run it started (once the dispatcher created it).
public struct ScheduleFire: Codable, Sendable, Equatable {
    public var scheduleID: Int
    /// The scheduled time fired (a run-now's: when it was asked for).
    public var fireTime: Date
    /// When it was recorded.
    public var firedAt: Date
    /// When it was on the dispatch stream; `nil` while not known to be.
    public var sentAt: Date?
    /// `true` for a run-now (no leader's fencing token).
    public var manual: Bool
    public var runID: Int?
    public var runStatus: RunStatus?
    public init(
        scheduleID: Int, fireTime: Date, firedAt: Date, sentAt: Date?, manual: Bool, runID: Int?, runStatus: RunStatus?
    ) {
        self.scheduleID = scheduleID
        self.fireTime = fireTime
        self.firedAt = firedAt
        self.sentAt = sentAt
        self.manual = manual
        self.runID = runID
        self.runStatus = runStatus
    }
}

/// A schedule's fires, newest first; the cursor is the last fire's time in milliseconds since 1970.
public struct ListScheduleFires: PagedRequest, Equatable {
    public var id: Int
    public var cursor: String?
    public var limit: Int?
    public init(id: Int, cursor: String? = nil, limit: Int? = nil) {
        self.id = id
        self.cursor = cursor
        self.limit = limit
    }
}

extension PersistenceAPI {
    public static let listScheduleFires = Endpoint<ListScheduleFires, Page<ScheduleFire>>(
        .get, "/v1/schedules/{id}/fires", scopes: .readers.and(.monitor), summary: "A schedule's fires, newest first, with their runs"
    )
}
