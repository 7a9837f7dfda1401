import Contracts
import FoundationEssentials
import Scheduling
import Testing

@Suite("Fire plans")
struct FirePlanTests {
    static let midnight = utc("2026-01-01T00:00:00Z")
    /// Every ten minutes from midnight, both as an interval and as cron.
    static let everyTenMinutes = [
        FireRule.interval(seconds: 600, anchor: midnight),
        FireRule.cron(try! CronExpression(parsing: "*/10 * * * *"), zone("UTC")),
    ]
    /// The seven fires 00:00 ... 01:00.
    static let hour = (0...6).map { midnight.addingTimeInterval(Double($0) * 600) }

    @Test("after an hour down, .skip fires nothing and counts every late fire", arguments: everyTenMinutes)
    func skipAfterDowntime(_ rule: FireRule) {
        let plan = rule.plan(due: Self.midnight, now: utc("2026-01-01T01:05:00Z"), policy: .skip, grace: .seconds(30))
        #expect(plan == FirePlan(fires: [], missed: 7, next: utc("2026-01-01T01:10:00Z")))
    }

    @Test("after an hour down, .once fires exactly the latest late fire", arguments: everyTenMinutes)
    func onceAfterDowntime(_ rule: FireRule) {
        let plan = rule.plan(due: Self.midnight, now: utc("2026-01-01T01:05:00Z"), policy: .once, grace: .seconds(30))
        #expect(plan == FirePlan(fires: [utc("2026-01-01T01:00:00Z")], missed: 6, next: utc("2026-01-01T01:10:00Z")))
    }

    @Test("after an hour down, .all fires every late fire, ascending", arguments: everyTenMinutes)
    func allAfterDowntime(_ rule: FireRule) {
        let plan = rule.plan(due: Self.midnight, now: utc("2026-01-01T01:05:00Z"), policy: .all, grace: .seconds(30))
        #expect(plan == FirePlan(fires: Self.hour, missed: 0, next: utc("2026-01-01T01:10:00Z")))
    }

    @Test("fires inside the grace always fire", arguments: everyTenMinutes, MisfirePolicy.allCases)
    func onTimeAlwaysFires(_ rule: FireRule, _ policy: MisfirePolicy) {
        let now = utc("2026-01-01T01:00:20Z")
        let next = utc("2026-01-01T01:10:00Z")
        let onTime = rule.plan(due: utc("2026-01-01T01:00:00Z"), now: now, policy: policy, grace: .seconds(30))
        #expect(onTime == FirePlan(fires: [utc("2026-01-01T01:00:00Z")], missed: 0, next: next))
        let afterDowntime = rule.plan(due: Self.midnight, now: now, policy: policy, grace: .seconds(30))
        let expected =
            switch policy {
            case .skip: FirePlan(fires: [Self.hour[6]], missed: 6, next: next)
            case .once: FirePlan(fires: [Self.hour[5], Self.hour[6]], missed: 5, next: next)
            case .all: FirePlan(fires: Self.hour, missed: 0, next: next)
            }
        #expect(afterDowntime == expected)
    }

    @Test("limit keeps the newest late fires under .all", arguments: everyTenMinutes)
    func limitCapsAll(_ rule: FireRule) {
        let plan = rule.plan(due: Self.midnight, now: utc("2026-01-01T01:05:00Z"), policy: .all, grace: .seconds(30), limit: 3)
        #expect(plan == FirePlan(fires: Array(Self.hour.suffix(3)), missed: 4, next: utc("2026-01-01T01:10:00Z")))
        let none = rule.plan(due: Self.midnight, now: utc("2026-01-01T01:05:00Z"), policy: .all, grace: .seconds(30), limit: 0)
        #expect(none == FirePlan(fires: [], missed: 7, next: utc("2026-01-01T01:10:00Z")))
        let unlimited = rule.plan(due: Self.midnight, now: utc("2026-01-01T01:05:00Z"), policy: .all, grace: .seconds(30), limit: .max)
        #expect(unlimited == FirePlan(fires: Self.hour, missed: 0, next: utc("2026-01-01T01:10:00Z")))
    }

    @Test("an interval counts a month of missed seconds without walking them")
    func longDowntime() {
        let rule = FireRule.interval(seconds: 1, anchor: Self.midnight)
        let now = utc("2026-01-31T00:00:00Z")
        let plan = rule.plan(due: Self.midnight, now: now, policy: .once, grace: .seconds(30))
        // Late: every second before 23:59:30 on the 30th; on time: 23:59:30 through 00:00:00, 31 fires.
        #expect(plan.missed == 30 * 86_400 - 30 - 1)
        #expect(plan.fires.count == 1 + 31)
        #expect(plan.fires.first == now.addingTimeInterval(-31))
        #expect(plan.fires.last == now)
    }

    @Test("a past once rule fires once under .once and .all, not under .skip, and never again", arguments: MisfirePolicy.allCases)
    func pastOnce(_ policy: MisfirePolicy) {
        let runAt = utc("2026-01-01T09:00:00Z")
        let plan = FireRule.once(runAt).plan(due: runAt, now: utc("2026-01-01T10:00:00Z"), policy: policy, grace: .seconds(30))
        let expected = policy == .skip ? FirePlan(fires: [], missed: 1, next: nil) : FirePlan(fires: [runAt], missed: 0, next: nil)
        #expect(plan == expected)
    }

    @Test("a plan asked for before it is due fires nothing and keeps its due time")
    func notYetDue() {
        let rule = FireRule.interval(seconds: 600, anchor: Self.midnight)
        let plan = rule.plan(due: Self.midnight, now: utc("2025-12-31T23:59:00Z"), policy: .all, grace: .seconds(30))
        #expect(plan == FirePlan(fires: [], missed: 0, next: Self.midnight))
    }

    @Test("a cron plan across a fall-back hour counts real fires")
    func cronAcrossFallBack() throws {
        let rule = FireRule.cron(try CronExpression(parsing: "*/30 * * * *"), zone("America/New_York"))
        let plan = rule.plan(due: utc("2026-11-01T05:00:00Z"), now: utc("2026-11-01T07:00:10Z"), policy: .once, grace: .seconds(30))
        #expect(plan == FirePlan(fires: [utc("2026-11-01T06:30:00Z"), utc("2026-11-01T07:00:00Z")], missed: 3, next: utc("2026-11-01T07:30:00Z")))
    }
}
