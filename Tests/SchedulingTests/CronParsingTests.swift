import Scheduling
import Testing

@Suite("Cron parsing")
struct CronParsingTests {
    /// Text that parses, and its normalised form.
    static let valid: [(String, String)] = [
        ("* * * * *", "* * * * *"),
        ("  0   9\t* *  1-5 ", "0 9 * * 1-5"),
        ("0,15,30,45 * * * *", "0,15,30,45 * * * *"),
        ("*/5 */2 * * *", "*/5 */2 * * *"),
        ("10-50/20 8-18 1-7 * *", "10-50/20 8-18 1-7 * *"),
        ("5/15 * * * *", "5/15 * * * *"),
        ("00 09 01 01 *", "0 9 1 1 *"),
        ("0 9 * jan-mar,Oct mon-fri", "0 9 * JAN-MAR,OCT MON-FRI"),
        ("0 0 * * 7", "0 0 * * 7"),
        ("0 0 * * SUN,sat", "0 0 * * SUN,SAT"),
        ("@yearly", "0 0 1 1 *"),
        ("@annually", "0 0 1 1 *"),
        ("@monthly", "0 0 1 * *"),
        ("@weekly", "0 0 * * 0"),
        ("@daily", "0 0 * * *"),
        ("@midnight", "0 0 * * *"),
        ("@HOURLY", "0 * * * *"),
    ]

    @Test("valid expressions parse and normalise", arguments: valid)
    func parses(_ text: String, _ normalised: String) throws {
        #expect(try CronExpression(parsing: text).description == normalised)
    }

    /// Day-of-week spellings and the first noon they select after Thursday 2026-01-01.
    static let sundays: [(String, String)] = [
        ("0 12 * * 0", "2026-01-04T12:00:00Z"),
        ("0 12 * * 7", "2026-01-04T12:00:00Z"),
        ("0 12 * * sun", "2026-01-04T12:00:00Z"),
        ("0 12 * * 6-7", "2026-01-03T12:00:00Z"),
        ("0 12 * * 5-7/2", "2026-01-02T12:00:00Z"),
        ("0 12 * * SAT/1", "2026-01-03T12:00:00Z"),
    ]

    @Test("7 is Sunday like 0 and SUN", arguments: sundays)
    func sunday(_ text: String, _ expected: String) throws {
        let next = try CronExpression(parsing: text).nextFire(after: utc("2026-01-01T00:00:00Z"), in: zone("UTC"))
        #expect(iso(next) == expected)
    }

    @Test("a macro equals its five fields")
    func macroEquality() throws {
        #expect(try CronExpression(parsing: "@daily") == CronExpression(parsing: "0 0 * * *"))
        #expect(try CronExpression(parsing: "@weekly") == CronExpression(parsing: "0 0 * * 0"))
    }

    /// Text that does not parse, and the message it gets.
    static let invalid: [(String, String)] = [
        ("0 25 * * *", "cron field 'hour' must be 0-23, got 25"),
        ("60 * * * *", "cron field 'minute' must be 0-59, got 60"),
        ("0 0 0 * *", "cron field 'day-of-month' must be 1-31, got 0"),
        ("0 0 * 13 *", "cron field 'month' must be 1-12, got 13"),
        ("0 0 * * 8", "cron field 'day-of-week' must be 0-7, got 8"),
        ("0 0 * * MOM", "cron field 'day-of-week': unknown name 'MOM'"),
        ("0 0 * JANUARY *", "cron field 'month': unknown name 'JANUARY'"),
        ("*/0 * * * *", "cron field 'minute': step must be at least 1"),
        ("* * * 5-2 *", "cron field 'month': range 5-2 runs backwards"),
        ("* * * * FRI-MON", "cron field 'day-of-week': range FRI-MON runs backwards"),
        ("* * * *", "cron needs 5 fields (minute hour day-of-month month day-of-week), got 4"),
        ("0 * * * * *", "cron needs 5 fields (minute hour day-of-month month day-of-week), got 6"),
        ("", "cron needs 5 fields (minute hour day-of-month month day-of-week), got 0"),
        ("0 0 31 2 *", "cron expression '0 0 31 2 *' never fires"),
        ("0 0 30,31 2 *", "cron expression '0 0 30,31 2 *' never fires"),
        ("0 0 31 4,6,9,11 *", "cron expression '0 0 31 4,6,9,11 *' never fires"),
        ("0 MON * * *", "cron field 'hour': 'MON' is not a number"),
        ("1,,2 * * * *", "cron field 'minute': empty item in list '1,,2'"),
        ("1-2-3 * * * *", "cron field 'minute': cannot read '1-2-3'"),
        ("-1 * * * *", "cron field 'minute': cannot read '-1'"),
        ("*/x * * * *", "cron field 'minute': step 'x' is not a number"),
        ("5/ * * * *", "cron field 'minute': step '' is not a number"),
        ("1/2/3 * * * *", "cron field 'minute': cannot read '1/2/3'"),
        ("@every", "cron macro '@every' is not one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly"),
    ]

    @Test("invalid expressions name the field and what was wrong", arguments: invalid)
    func rejects(_ text: String, _ message: String) {
        #expect(throws: ScheduleProblem(field: "cron", message: message)) {
            try CronExpression(parsing: text)
        }
    }

    @Test("a day rule that exists only in leap years, or via the day of the week, still fires")
    func rareButPossible() throws {
        _ = try CronExpression(parsing: "0 0 29 2 *")
        _ = try CronExpression(parsing: "0 0 31 2 MON")
    }
}
