import FoundationEssentials
import Scheduling
import Testing

/// An expression and the same rule written as a predicate on (minute, hour, day, month, weekday with Sunday = 0).
struct OracleCase: Sendable, CustomTestStringConvertible {
    let cron: String
    let matches: @Sendable (Int, Int, Int, Int, Int) -> Bool
    var testDescription: String { cron }
}

@Suite("Cron against brute force")
struct CronOracleTests {
    static let cases = [
        OracleCase(cron: "*/7 3-5 * * *") { minute, hour, _, _, _ in minute % 7 == 0 && (3...5).contains(hour) },
        OracleCase(cron: "15 */6 1,15 * *") { minute, hour, day, _, _ in minute == 15 && hour % 6 == 0 && (day == 1 || day == 15) },
        OracleCase(cron: "0 12 * * MON,FRI") { minute, hour, _, _, weekday in minute == 0 && hour == 12 && (weekday == 1 || weekday == 5) },
        OracleCase(cron: "0 0 13 * FRI") { minute, hour, day, _, weekday in minute == 0 && hour == 0 && (day == 13 || weekday == 5) },
        OracleCase(cron: "30 9 */2 * MON") { minute, hour, day, _, weekday in minute == 30 && hour == 9 && day % 2 == 1 && weekday == 1 },
        OracleCase(cron: "0-10/5,50 8 * JAN 6-7") { minute, hour, _, _, weekday in
            [0, 5, 10, 50].contains(minute) && hour == 8 && (weekday == 6 || weekday == 0)
        },
        OracleCase(cron: "59 23 31 * *") { minute, hour, day, _, _ in minute == 59 && hour == 23 && day == 31 },
    ]

    /// January has no daylight-saving change in these zones, so every local minute happens exactly once.
    @Test("fires in January match a minute-by-minute check", arguments: cases, ["UTC", "Asia/Kolkata", "America/New_York"])
    func matchesBruteForce(_ row: OracleCase, _ zoneName: String) throws {
        let zone = zone(zoneName)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let offset = Double(zone.secondsFromGMT(for: utc("2026-01-15T00:00:00Z")))
        let start = utc("2026-01-01T00:00:00Z").addingTimeInterval(-offset)
        var expected: [Date] = []
        for dayIndex in 0..<31 {
            let midnight = start.addingTimeInterval(Double(dayIndex) * 86_400)
            let parts = calendar.dateComponents([.day, .month, .weekday], from: midnight.addingTimeInterval(12 * 3600))
            for minuteOfDay in 0..<1440 where row.matches(minuteOfDay % 60, minuteOfDay / 60, parts.day!, parts.month!, parts.weekday! - 1) {
                expected.append(midnight.addingTimeInterval(Double(minuteOfDay) * 60))
            }
        }
        let rule = FireRule.cron(try CronExpression(parsing: row.cron), zone)
        let actual = rule.fires(from: start, through: start.addingTimeInterval(31 * 86_400 - 1), limit: 100_000)
        #expect(actual.map(iso) == expected.map(iso))
    }

    @Test("next fire stays fast, around a change and for rare days")
    func fast() throws {
        let clock = ContinuousClock()
        let elapsed = try clock.measure {
            let everyMinute = try CronExpression(parsing: "* * * * *")
            var instant = utc("2026-03-07T00:00:00Z")
            for _ in 0..<5000 { instant = everyMinute.nextFire(after: instant, in: zone("America/New_York"))! }
            #expect(iso(instant) == "2026-03-10T11:20:00Z")
            let rare = try CronExpression(parsing: "0 0 29 2 MON")
            for _ in 0..<200 { instant = rare.nextFire(after: instant, in: zone("UTC"))! }
        }
        #expect(elapsed < .seconds(2))
    }
}
