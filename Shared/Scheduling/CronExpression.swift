import CivilTime

/// A parsed five-field cron expression: minute hour day-of-month month day-of-week.
///
/// Each field is a comma list of `*`, `N` or `A-B`, each optionally followed by `/STEP` (`N/STEP` runs from N to the
/// field's maximum). Months take `JAN`-`DEC` and days of the week `SUN`-`SAT` (0 and 7 are both Sunday), in any case.
/// `@yearly`, `@annually`, `@monthly`, `@weekly`, `@daily`, `@midnight` and `@hourly` stand for their five fields.
/// When both day-of-month and day-of-week are restricted (neither is `*` nor `*/N`), a day matches if either does.
///
/// ```swift
/// let cron = try CronExpression(parsing: "0 9 * * mon-fri")
/// print(cron)  // 0 9 * * MON-FRI
/// let next = cron.nextFire(after: .now, in: TimeZone(identifier: "Asia/Kolkata")!)
/// ```
public struct CronExpression: Sendable, Equatable, CustomStringConvertible {
    /// The normalised text: single spaces, names in upper case, numbers without leading zeros, macros expanded.
    public let description: String
    let minutes: UInt64
    let hours: UInt64
    let daysOfMonth: UInt64
    let months: UInt64
    /// Bits 0-6, Sunday = 0.
    let daysOfWeek: UInt64
    /// Whether the hour field is `*` or `*/N`: such an expression fires at both occurrences of a repeated hour.
    let hourIsUnrestricted: Bool
    /// Whether day-of-month and day-of-week must both match (one of them is `*` or `*/N`) rather than either.
    let daysMustBothMatch: Bool

    private static let macros = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]

    /// Parses `text`, throwing a ``ScheduleProblem`` for the field `cron` that names the cron field at fault.
    public init(parsing text: String) throws {
        var tokens = text.split(whereSeparator: \.isWhitespace)
        if let first = tokens.first, first.hasPrefix("@") {
            guard tokens.count == 1, let expanded = Self.macros[first.lowercased()] else {
                let known = "@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly"
                throw ScheduleProblem(field: "cron", message: "cron macro '\(tokens.joined(separator: " "))' is not one of \(known)")
            }
            tokens = expanded.split(separator: " ")
        }
        guard tokens.count == 5 else {
            throw ScheduleProblem(
                field: "cron", message: "cron needs 5 fields (minute hour day-of-month month day-of-week), got \(tokens.count)")
        }
        var fields: [CronField.Parsed] = []
        for (field, token) in zip(CronField.all, tokens) {
            fields.append(try field.parse(token))
        }
        description = fields.map(\.text).joined(separator: " ")
        minutes = fields[0].bits
        hours = fields[1].bits
        daysOfMonth = fields[2].bits
        months = fields[3].bits
        daysOfWeek = (fields[4].bits | fields[4].bits >> 7) & 0x7F
        hourIsUnrestricted = fields[1].isUnrestricted
        daysMustBothMatch = fields[2].isUnrestricted || fields[4].isUnrestricted
        guard canFire else {
            throw ScheduleProblem(field: "cron", message: "cron expression '\(description)' never fires")
        }
    }

    /// Whether some month holds one of the days: always, unless day-of-month alone decides (e.g. `0 0 31 2 *`).
    private var canFire: Bool {
        guard daysMustBothMatch else { return true }
        return (1...12).contains { month in
            months & (1 << UInt64(month)) != 0 && daysOfMonth & ((1 << UInt64(CivilDate.daysIn(month: month, year: 2000) + 1)) - 1) != 0
        }
    }

    /// Whether the expression's month and day rules select `date`.
    func matches(_ date: CivilDate) -> Bool {
        guard months & (1 << UInt64(date.month)) != 0 else { return false }
        let dayOfMonth = daysOfMonth & (1 << UInt64(date.day)) != 0
        let dayOfWeek = daysOfWeek & (1 << UInt64(date.weekday)) != 0
        return daysMustBothMatch ? dayOfMonth && dayOfWeek : dayOfMonth || dayOfWeek
    }
}
