import FoundationEssentials
import Scheduling
import Testing

/// One next-fire case: expected values worked out from the zone's real offsets, not from the code.
struct NextFireCase: Sendable, CustomTestStringConvertible {
    let name: String
    let cron: String
    let zone: String
    let after: String
    let expected: String
    var testDescription: String { "\(name): '\(cron)' in \(zone) after \(after)" }

    init(_ name: String, _ cron: String, _ zone: String, _ after: String, _ expected: String) {
        (self.name, self.cron, self.zone, self.after, self.expected) = (name, cron, zone, after, expected)
    }
}

@Suite("Cron next fire")
struct CronNextFireTests {
    static let plain = [
        NextFireCase("every minute, on the minute", "* * * * *", "UTC", "2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z"),
        NextFireCase("every minute, mid-minute", "* * * * *", "UTC", "2026-01-01T00:00:30Z", "2026-01-01T00:01:00Z"),
        NextFireCase("every 15 minutes", "*/15 * * * *", "UTC", "2026-01-01T10:07:00Z", "2026-01-01T10:15:00Z"),
        NextFireCase("hour rolls over", "*/20 * * * *", "UTC", "2026-01-01T10:40:00Z", "2026-01-01T11:00:00Z"),
        NextFireCase("daily, just fired", "5 4 * * *", "UTC", "2026-01-01T04:05:00Z", "2026-01-02T04:05:00Z"),
        NextFireCase("yearly", "@yearly", "UTC", "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"),
        NextFireCase("year end", "59 23 31 12 *", "UTC", "2026-12-31T23:59:00Z", "2027-12-31T23:59:00Z"),
        NextFireCase("weekdays, Friday to Monday", "0 22 * * 1-5", "UTC", "2026-01-02T22:00:00Z", "2026-01-05T22:00:00Z"),
        NextFireCase("list of days", "30 8 1,15 * *", "UTC", "2026-01-15T08:30:00Z", "2026-02-01T08:30:00Z"),
        NextFireCase("stepped range", "10-30/10 9 * * *", "UTC", "2026-01-01T09:10:00Z", "2026-01-01T09:20:00Z"),
        NextFireCase("stepped range, next day", "10-30/10 9 * * *", "UTC", "2026-01-01T09:30:00Z", "2026-01-02T09:10:00Z"),
        NextFireCase("month names", "0 0 1 JUN,SEP *", "UTC", "2026-06-01T00:00:00Z", "2026-09-01T00:00:00Z"),
        NextFireCase("Kolkata weekdays, Friday to Monday", "0 9 * * MON-FRI", "Asia/Kolkata", "2026-01-02T03:30:00Z", "2026-01-05T03:30:00Z"),
        NextFireCase("Kolkata midnight is 18:30 UTC", "0 0 * * *", "Asia/Kolkata", "2026-01-01T00:00:00Z", "2026-01-01T18:30:00Z"),
    ]

    static let days = [
        NextFireCase("either day rule: a Friday", "0 0 13 * FRI", "UTC", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"),
        NextFireCase("either day rule: next Friday", "0 0 13 * FRI", "UTC", "2026-01-02T00:00:00Z", "2026-01-09T00:00:00Z"),
        NextFireCase("either day rule: Tuesday the 13th", "0 0 13 * FRI", "UTC", "2026-01-09T00:00:00Z", "2026-01-13T00:00:00Z"),
        NextFireCase("either day rule: Sunday the 1st", "0 0 1 * MON", "UTC", "2026-01-26T00:00:00Z", "2026-02-01T00:00:00Z"),
        NextFireCase("*/N day field: both must match", "0 0 */10 * MON", "UTC", "2026-01-01T00:00:00Z", "2026-05-11T00:00:00Z"),
        NextFireCase("29 February", "0 0 29 2 *", "UTC", "2026-01-01T00:00:00Z", "2028-02-29T00:00:00Z"),
        NextFireCase("29 February again", "0 0 29 2 *", "UTC", "2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"),
        NextFireCase("2100 is no leap year", "0 0 29 2 *", "UTC", "2096-03-01T00:00:00Z", "2104-02-29T00:00:00Z"),
        NextFireCase("29 February or a February Monday", "0 0 29 2 MON", "UTC", "2026-01-01T00:00:00Z", "2026-02-02T00:00:00Z"),
        NextFireCase("no Monday left this February", "0 0 29 2 MON", "UTC", "2026-02-23T00:00:00Z", "2027-02-01T00:00:00Z"),
        NextFireCase("29 February on a Sunday", "0 0 29 2 */7", "UTC", "2026-01-01T00:00:00Z", "2032-02-29T00:00:00Z"),
        NextFireCase("31st skips February", "0 0 31 * *", "UTC", "2026-01-31T00:00:00Z", "2026-03-31T00:00:00Z"),
        NextFireCase("31st skips April", "0 0 31 * *", "UTC", "2026-03-31T00:00:00Z", "2026-05-31T00:00:00Z"),
        NextFireCase("31st in July then August", "0 0 31 * *", "UTC", "2026-07-31T00:00:00Z", "2026-08-31T00:00:00Z"),
        NextFireCase("31st skips September", "0 0 31 * *", "UTC", "2026-08-31T00:00:00Z", "2026-10-31T00:00:00Z"),
    ]

    /// New York: EST = UTC-5, EDT = UTC-4; 2026-03-08 02:00 EST -> 03:00 EDT (07:00 UTC), 2026-11-01 02:00 EDT -> 01:00 EST (06:00 UTC).
    static let newYork = [
        NextFireCase("day before the gap, 02:30 EST", "30 2 * * *", "America/New_York", "2026-03-06T12:00:00Z", "2026-03-07T07:30:00Z"),
        NextFireCase("skipped 02:30 fires at 03:30 EDT", "30 2 * * *", "America/New_York", "2026-03-07T12:00:00Z", "2026-03-08T07:30:00Z"),
        NextFireCase("day after the gap, 02:30 EDT", "30 2 * * *", "America/New_York", "2026-03-08T07:30:00Z", "2026-03-09T06:30:00Z"),
        NextFireCase("skipped 02:00 fires at 03:00 EDT", "0 2 * * *", "America/New_York", "2026-03-07T12:00:00Z", "2026-03-08T07:00:00Z"),
        NextFireCase("half-hourly into the gap", "*/30 * * * *", "America/New_York", "2026-03-08T06:30:00Z", "2026-03-08T07:00:00Z"),
        NextFireCase("half-hourly past the gap", "*/30 * * * *", "America/New_York", "2026-03-08T07:00:00Z", "2026-03-08T07:30:00Z"),
        NextFireCase("skipped and real times on one instant", "0,30 2,3 * * *", "America/New_York", "2026-03-08T07:00:00Z", "2026-03-08T07:30:00Z"),
        NextFireCase(
            "skipped and real times, then the next day", "0,30 2,3 * * *", "America/New_York", "2026-03-08T07:30:00Z", "2026-03-09T06:00:00Z"),
        NextFireCase("repeated 01:30 fires at EDT", "30 1 * * *", "America/New_York", "2026-10-31T12:00:00Z", "2026-11-01T05:30:00Z"),
        NextFireCase("repeated 01:30 fires once", "30 1 * * *", "America/New_York", "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"),
        NextFireCase("repeated 01:00 fires once", "0 1 * * *", "America/New_York", "2026-11-01T05:00:00Z", "2026-11-02T06:00:00Z"),
        NextFireCase("02:00 on fall-back day is EST", "0 2 * * *", "America/New_York", "2026-10-31T12:00:00Z", "2026-11-01T07:00:00Z"),
        NextFireCase("half-hourly: 01:00 EDT", "*/30 * * * *", "America/New_York", "2026-11-01T04:45:00Z", "2026-11-01T05:00:00Z"),
        NextFireCase("half-hourly: 01:30 EDT", "*/30 * * * *", "America/New_York", "2026-11-01T05:00:00Z", "2026-11-01T05:30:00Z"),
        NextFireCase("half-hourly: 01:00 EST", "*/30 * * * *", "America/New_York", "2026-11-01T05:30:00Z", "2026-11-01T06:00:00Z"),
        NextFireCase("half-hourly: 01:30 EST", "*/30 * * * *", "America/New_York", "2026-11-01T06:00:00Z", "2026-11-01T06:30:00Z"),
        NextFireCase("half-hourly: 02:00 EST", "*/30 * * * *", "America/New_York", "2026-11-01T06:30:00Z", "2026-11-01T07:00:00Z"),
        NextFireCase("hourly: 01:00 EST", "0 * * * *", "America/New_York", "2026-11-01T05:00:00Z", "2026-11-01T06:00:00Z"),
        NextFireCase("hourly: 02:00 EST", "0 * * * *", "America/New_York", "2026-11-01T06:00:00Z", "2026-11-01T07:00:00Z"),
    ]

    /// London: GMT = UTC+0, BST = UTC+1; both changes at 01:00 UTC (2026-03-29 01:00 -> 02:00, 2026-10-25 02:00 -> 01:00).
    /// Sydney: AEST = UTC+10, AEDT = UTC+11; 2026-04-05 03:00 AEDT -> 02:00 AEST, 2026-10-04 02:00 AEST -> 03:00 AEDT.
    static let londonAndSydney = [
        NextFireCase("London hourly into the gap", "0 * * * *", "Europe/London", "2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z"),
        NextFireCase("London hourly past the gap", "0 * * * *", "Europe/London", "2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z"),
        NextFireCase("London skipped 01:30 fires at 02:30 BST", "30 1 * * *", "Europe/London", "2026-03-28T12:00:00Z", "2026-03-29T01:30:00Z"),
        NextFireCase("London 09:00 BST", "0 9 * * *", "Europe/London", "2026-03-29T00:00:00Z", "2026-03-29T08:00:00Z"),
        NextFireCase("London repeated 01:30 fires at BST", "30 1 * * *", "Europe/London", "2026-10-24T12:00:00Z", "2026-10-25T00:30:00Z"),
        NextFireCase("London repeated 01:30 fires once", "30 1 * * *", "Europe/London", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"),
        NextFireCase("London half-hourly: 01:00 GMT", "*/30 * * * *", "Europe/London", "2026-10-25T00:30:00Z", "2026-10-25T01:00:00Z"),
        NextFireCase("London 09:00 GMT again", "0 9 * * *", "Europe/London", "2026-10-25T12:00:00Z", "2026-10-26T09:00:00Z"),
        NextFireCase("Sydney repeated 02:30 fires at AEDT", "30 2 * * *", "Australia/Sydney", "2026-04-04T00:00:00Z", "2026-04-04T15:30:00Z"),
        NextFireCase("Sydney repeated 02:30 fires once", "30 2 * * *", "Australia/Sydney", "2026-04-04T15:30:00Z", "2026-04-05T16:30:00Z"),
        NextFireCase("Sydney hourly: 02:00 AEST", "0 * * * *", "Australia/Sydney", "2026-04-04T15:00:00Z", "2026-04-04T16:00:00Z"),
        NextFireCase("Sydney hourly: 03:00 AEST", "0 * * * *", "Australia/Sydney", "2026-04-04T16:00:00Z", "2026-04-04T17:00:00Z"),
        NextFireCase("Sydney skipped 02:30 fires at 03:30 AEDT", "30 2 * * *", "Australia/Sydney", "2026-10-03T00:00:00Z", "2026-10-03T16:30:00Z"),
        NextFireCase("Sydney 09:00 AEDT", "0 9 * * *", "Australia/Sydney", "2026-10-02T23:00:00Z", "2026-10-03T22:00:00Z"),
    ]

    @Test("plain cases", arguments: plain + days)
    func plainCases(_ row: NextFireCase) throws {
        try check(row)
    }

    @Test("daylight-saving changes", arguments: newYork + londonAndSydney)
    func daylightSaving(_ row: NextFireCase) throws {
        try check(row)
    }

    private func check(_ row: NextFireCase) throws {
        let cron = try CronExpression(parsing: row.cron)
        #expect(iso(cron.nextFire(after: utc(row.after), in: zone(row.zone))) == row.expected)
    }
}
