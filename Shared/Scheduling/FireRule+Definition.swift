public import Contracts
public import FoundationEssentials

extension FireRule {
    /// The longest interval: 366 days.
    static let longestInterval = 366 * 86_400

    /// Validates a definition and builds its rule; `anchor` is the interval's phase (the scheduler passes the schedule's current next fire, or now for a new one).
    ///
    /// Throws a ``ScheduleProblem`` naming `everySeconds`, `cron`, `timeZone` or `runAt`. The time zone is checked
    /// whatever the kind, so a bad zone is caught before the schedule is switched to cron.
    public init(_ definition: ScheduleDefinition, anchor: Date) throws {
        guard let zone = KnownTimeZone.named(definition.timeZone) else {
            throw ScheduleProblem(field: "timeZone", message: "timeZone '\(definition.timeZone)' is not a known IANA time zone")
        }
        switch definition.kind {
        case .interval:
            guard let seconds = definition.everySeconds else {
                throw ScheduleProblem(field: "everySeconds", message: "everySeconds is required for an interval schedule")
            }
            guard (1...Self.longestInterval).contains(seconds) else {
                throw ScheduleProblem(field: "everySeconds", message: "everySeconds must be 1-\(Self.longestInterval), got \(seconds)")
            }
            self = .interval(seconds: seconds, anchor: anchor)
        case .cron:
            guard let cron = definition.cron else {
                throw ScheduleProblem(field: "cron", message: "cron is required for a cron schedule")
            }
            self = .cron(try CronExpression(parsing: cron), zone)
        case .once:
            guard let runAt = definition.runAt else {
                throw ScheduleProblem(field: "runAt", message: "runAt is required for a once schedule")
            }
            self = .once(runAt)
        }
    }
}
