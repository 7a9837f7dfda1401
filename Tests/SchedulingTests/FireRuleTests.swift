import Contracts
import FoundationEssentials
import Scheduling
import Testing

@Suite("Fire rules")
struct FireRuleTests {
    @Test("an interval anchored in the past fires on its phase")
    func intervalAnchoredInPast() {
        let rule = FireRule.interval(seconds: 600, anchor: utc("2026-01-01T00:00:00Z"))
        #expect(iso(rule.nextFire(after: utc("2026-01-01T01:05:00Z"))) == "2026-01-01T01:10:00Z")
        #expect(iso(rule.nextFire(after: utc("2026-01-01T01:10:00Z"))) == "2026-01-01T01:20:00Z")
        #expect(
            rule.upcoming(after: utc("2026-01-01T01:05:00Z"), count: 3).map(iso) == [
                "2026-01-01T01:10:00Z", "2026-01-01T01:20:00Z", "2026-01-01T01:30:00Z",
            ])
        let odd = FireRule.interval(seconds: 60, anchor: utc("2026-01-01T00:00:07Z"))
        #expect(iso(odd.nextFire(after: utc("2026-01-01T00:10:00Z"))) == "2026-01-01T00:10:07Z")
    }

    @Test("an interval anchored in the future also fires before its anchor")
    func intervalAnchoredInFuture() {
        let rule = FireRule.interval(seconds: 3600, anchor: utc("2026-01-01T12:00:00Z"))
        #expect(
            rule.upcoming(after: utc("2026-01-01T09:30:00Z"), count: 4).map(iso) == [
                "2026-01-01T10:00:00Z", "2026-01-01T11:00:00Z", "2026-01-01T12:00:00Z", "2026-01-01T13:00:00Z",
            ])
        #expect(iso(rule.nextFire(after: utc("2026-01-01T10:00:00Z"))) == "2026-01-01T11:00:00Z")
    }

    @Test("a once rule fires only at its time")
    func once() {
        let rule = FireRule.once(utc("2026-05-01T08:00:00Z"))
        #expect(iso(rule.nextFire(after: utc("2026-05-01T07:59:59Z"))) == "2026-05-01T08:00:00Z")
        #expect(rule.nextFire(after: utc("2026-05-01T08:00:00Z")) == nil)
        #expect(rule.upcoming(after: utc("2026-01-01T00:00:00Z"), count: 5).map(iso) == ["2026-05-01T08:00:00Z"])
    }

    @Test("fires(from:through:limit:) includes both bounds and stops at the limit")
    func firesInclusive() throws {
        let from = utc("2026-01-01T00:10:00Z")
        let through = utc("2026-01-01T00:30:00Z")
        let expected = ["2026-01-01T00:10:00Z", "2026-01-01T00:20:00Z", "2026-01-01T00:30:00Z"]
        let interval = FireRule.interval(seconds: 600, anchor: utc("2026-01-01T00:00:00Z"))
        let cron = FireRule.cron(try CronExpression(parsing: "*/10 * * * *"), zone("UTC"))
        #expect(interval.fires(from: from, through: through, limit: 10).map(iso) == expected)
        #expect(cron.fires(from: from, through: through, limit: 10).map(iso) == expected)
        #expect(interval.fires(from: from, through: through, limit: 2).map(iso) == Array(expected.prefix(2)))
        #expect(cron.fires(from: from, through: through, limit: 2).map(iso) == Array(expected.prefix(2)))
        #expect(cron.fires(from: utc("2026-01-01T00:10:01Z"), through: utc("2026-01-01T00:29:59Z"), limit: 10).map(iso) == ["2026-01-01T00:20:00Z"])
        let once = FireRule.once(from)
        #expect(once.fires(from: from, through: from, limit: 1) == [from])
        #expect(once.fires(from: through, through: through, limit: 1) == [])
    }

    @Test("a definition builds its rule")
    func builds() throws {
        let anchor = utc("2026-01-01T00:00:00Z")
        #expect(
            try FireRule(.init(name: "i", kind: .interval, everySeconds: 600, scope: .all), anchor: anchor) == .interval(seconds: 600, anchor: anchor)
        )
        let cron = try FireRule(.init(name: "c", kind: .cron, cron: "0 9 * * 1-5", timeZone: "Asia/Kolkata", scope: .all), anchor: anchor)
        #expect(cron == .cron(try CronExpression(parsing: "0 9 * * 1-5"), zone("Asia/Kolkata")))
        #expect(try FireRule(.init(name: "o", kind: .once, runAt: anchor, scope: .all), anchor: .now) == .once(anchor))
        for name in ["UTC", "GMT", "Etc/UTC", "America/New_York", "Europe/London", "Australia/Sydney", "America/Argentina/Buenos_Aires"] {
            _ = try FireRule(.init(name: "c", kind: .cron, cron: "@daily", timeZone: name, scope: .all), anchor: anchor)
        }
        _ = try FireRule(.init(name: "i", kind: .interval, everySeconds: 1, scope: .all), anchor: anchor)
        _ = try FireRule(.init(name: "i", kind: .interval, everySeconds: 31_622_400, scope: .all), anchor: anchor)
    }

    /// A definition that does not validate, and the problem it gets.
    static let invalid: [(ScheduleDefinition, ScheduleProblem)] = [
        (
            .init(name: "i", kind: .interval, scope: .all),
            ScheduleProblem(field: "everySeconds", message: "everySeconds is required for an interval schedule")
        ),
        (
            .init(name: "i", kind: .interval, everySeconds: 0, scope: .all),
            ScheduleProblem(field: "everySeconds", message: "everySeconds must be 1-31622400, got 0")
        ),
        (
            .init(name: "i", kind: .interval, everySeconds: 31_622_401, scope: .all),
            ScheduleProblem(field: "everySeconds", message: "everySeconds must be 1-31622400, got 31622401")
        ),
        (.init(name: "c", kind: .cron, scope: .all), ScheduleProblem(field: "cron", message: "cron is required for a cron schedule")),
        (
            .init(name: "c", kind: .cron, cron: "0 25 * * *", scope: .all),
            ScheduleProblem(field: "cron", message: "cron field 'hour' must be 0-23, got 25")
        ),
        (
            .init(name: "c", kind: .cron, cron: "0 9 * * *", timeZone: "Asia/Kolkatta", scope: .all),
            ScheduleProblem(field: "timeZone", message: "timeZone 'Asia/Kolkatta' is not a known IANA time zone")
        ),
        (
            .init(name: "c", kind: .cron, cron: "0 9 * * *", timeZone: "EST", scope: .all),
            ScheduleProblem(field: "timeZone", message: "timeZone 'EST' is not a known IANA time zone")
        ),
        (
            .init(name: "c", kind: .cron, cron: "0 9 * * *", timeZone: "GMT+5", scope: .all),
            ScheduleProblem(field: "timeZone", message: "timeZone 'GMT+5' is not a known IANA time zone")
        ),
        (
            .init(name: "c", kind: .cron, cron: "0 9 * * *", timeZone: "america/new_york", scope: .all),
            ScheduleProblem(field: "timeZone", message: "timeZone 'america/new_york' is not a known IANA time zone")
        ),
        (.init(name: "o", kind: .once, scope: .all), ScheduleProblem(field: "runAt", message: "runAt is required for a once schedule")),
    ]

    @Test("validation problems name the field", arguments: invalid)
    func rejects(_ definition: ScheduleDefinition, _ problem: ScheduleProblem) {
        #expect(throws: problem) {
            try FireRule(definition, anchor: utc("2026-01-01T00:00:00Z"))
        }
    }
}
