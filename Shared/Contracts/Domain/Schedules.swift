public import FoundationEssentials

/// How a schedule decides when to fire.
public enum ScheduleKind: String, Codable, Sendable, CaseIterable {
    /// Every N seconds.
    case interval
    /// A five-field cron expression in an IANA time zone.
    case cron
    /// Once, at a given time.
    case once
}

/// What to do about fires missed while no scheduler ran.
public enum MisfirePolicy: String, Codable, Sendable, CaseIterable {
    /// Drop them; fire next at the next due time.
    case skip
    /// Fire once for all of them, then carry on.
    case once
    /// Fire each one missed.
    case all
}

/// What a schedule is: everything an operator sets.
public struct ScheduleDefinition: Codable, Sendable, Equatable {
    public var name: String
    public var kind: ScheduleKind
    public var everySeconds: Int?
    public var cron: String?
    /// IANA zone for cron schedules, e.g. `Asia/Kolkata`.
    public var timeZone: String
    public var runAt: Date?
    public var scope: SyncScope
    public var actions: [JobAction]
    public var enabled: Bool
    public var misfirePolicy: MisfirePolicy

    public init(
        name: String,
        kind: ScheduleKind,
        everySeconds: Int? = nil,
        cron: String? = nil,
        timeZone: String = "UTC",
        runAt: Date? = nil,
        scope: SyncScope,
        actions: [JobAction] = [.holdings],
        enabled: Bool = true,
        misfirePolicy: MisfirePolicy = .once
    ) {
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
}

/// A stored schedule with its run-time state.
public struct Schedule: Codable, Sendable, Equatable {
    public var id: Int
    public var definition: ScheduleDefinition
    public var lastRunAt: Date?
    public var totalRunCount: Int
    public var nextRunAt: Date?
    /// Bumped by every edit.
    public var version: Int
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: Int,
        definition: ScheduleDefinition,
        lastRunAt: Date?,
        totalRunCount: Int,
        nextRunAt: Date?,
        version: Int,
        createdAt: Date,
        updatedAt: Date
    ) {
        self.id = id
        self.definition = definition
        self.lastRunAt = lastRunAt
        self.totalRunCount = totalRunCount
        self.nextRunAt = nextRunAt
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
