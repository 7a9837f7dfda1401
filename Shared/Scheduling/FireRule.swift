public import FoundationEssentials

/// When a schedule fires.
///
/// ```swift
/// let rule = try FireRule(definition, anchor: schedule.nextRunAt ?? .now)
/// let plan = rule.plan(due: schedule.nextRunAt!, now: .now, policy: definition.misfirePolicy, grace: .seconds(30))
/// for fire in plan.fires { enqueue(fire) }
/// nextRunAt = plan.next
/// ```
public enum FireRule: Sendable, Equatable {
    /// Fires at `anchor + k * seconds` for every integer k.
    case interval(seconds: Int, anchor: Date)
    /// Fires when a cron expression matches the wall clock in a time zone.
    case cron(CronExpression, TimeZone)
    /// Fires once, at a given instant.
    case once(Date)

    /// The first fire strictly after `instant`; nil if there is none.
    public func nextFire(after instant: Date) -> Date? {
        firstFire(after: instant, inclusive: false)
    }

    /// Fire times t with from <= t <= through, ascending, at most `limit`.
    public func fires(from: Date, through: Date, limit: Int) -> [Date] {
        var fires: [Date] = []
        var candidate = firstFire(after: from, inclusive: true)
        while fires.count < limit, let fire = candidate, fire <= through {
            fires.append(fire)
            candidate = nextFire(after: fire)
        }
        return fires
    }

    /// The next `count` fires strictly after `instant`.
    public func upcoming(after instant: Date, count: Int) -> [Date] {
        var fires: [Date] = []
        var candidate = nextFire(after: instant)
        while fires.count < count, let fire = candidate {
            fires.append(fire)
            candidate = nextFire(after: fire)
        }
        return fires
    }

    /// The first fire after `instant`, or at it when `inclusive`.
    func firstFire(after instant: Date, inclusive: Bool) -> Date? {
        switch self {
        case .interval(let seconds, let anchor):
            Self.intervalFire(Self.intervalIndex(after: instant, inclusive: inclusive, seconds: seconds, anchor: anchor), seconds, anchor)
        case .cron(let expression, let zone):
            expression.firstFire(after: instant, inclusive: inclusive, in: zone)
        case .once(let date):
            inclusive ? (date >= instant ? date : nil) : (date > instant ? date : nil)
        }
    }

    /// The k of the first interval fire `anchor + k * seconds` after `instant` (or at it when `inclusive`).
    static func intervalIndex(after instant: Date, inclusive: Bool, seconds: Int, anchor: Date) -> Int {
        func isAfter(_ index: Int) -> Bool {
            let fire = intervalFire(index, seconds, anchor)
            return inclusive ? fire >= instant : fire > instant
        }
        var index = Int((instant.timeIntervalSince(anchor) / Double(seconds)).rounded(.down))
        while !isAfter(index) { index += 1 }
        while isAfter(index - 1) { index -= 1 }
        return index
    }

    /// The interval fire `anchor + index * seconds`.
    static func intervalFire(_ index: Int, _ seconds: Int, _ anchor: Date) -> Date {
        anchor.addingTimeInterval(Double(index) * Double(seconds))
    }
}
