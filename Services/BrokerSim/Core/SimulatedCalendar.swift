import CivilTime
import FoundationEssentials

/// Dates and times the simulator writes: simulated day `n` is 2026-01-01 plus `n` days.
///
/// Kite and Upstox trade from 09:15 IST (03:45 UTC); the US market (Alpaca) from 09:30 New York
/// time, taken as 14:30 UTC all year (the simulator ignores daylight saving).
enum SimulatedCalendar {
    /// Days from 1970-01-01 to 2026-01-01.
    static let epochDayOfDayZero = 20_454
    /// Seconds after midnight UTC at which the Indian session opens (09:15 IST).
    static let indianOpenUTC = 3 * 3600 + 45 * 60
    /// Seconds after midnight UTC at which the US session opens (taken as 14:30 UTC).
    static let usOpenUTC = 14 * 3600 + 30 * 60
    /// IST is UTC+05:30.
    static let istOffset = 5 * 3600 + 30 * 60

    /// Unix seconds of midnight UTC on simulated `day`.
    static func midnightUTC(day: Int) -> Int {
        (epochDayOfDayZero + day) * 86_400
    }

    /// `yyyy-mm-dd hh:mm:ss` for Unix time `seconds` shifted by `offset` (Kite writes IST with no zone).
    static func localTimestamp(_ seconds: Int, offset: Int) -> String {
        let local = seconds + offset
        return date(epochDay: CivilDate.floorDivision(local, 86_400).quotient) + " " + clock(local)
    }

    /// `hh:mm:ss` of Unix time `seconds` shifted by `offset`.
    static func clockTime(_ seconds: Int, offset: Int) -> String {
        clock(seconds + offset)
    }

    /// `yyyy-mm-ddThh:mm:ssZ`.
    static func iso8601(_ seconds: Int) -> String {
        date(epochDay: CivilDate.floorDivision(seconds, 86_400).quotient) + "T" + clock(seconds) + "Z"
    }

    /// `yyyy-mm-ddThh:mm:ss.mmmZ`, from the wall clock.
    static func iso8601Now() -> String {
        let milliseconds = Int((Date().timeIntervalSince1970 * 1000).rounded(.down))
        let seconds = CivilDate.floorDivision(milliseconds, 1000).quotient
        let fraction = milliseconds - seconds * 1000
        return date(epochDay: CivilDate.floorDivision(seconds, 86_400).quotient) + "T" + clock(seconds) + "." + pad(fraction, 3) + "Z"
    }

    /// Unix seconds now.
    static func nowSeconds() -> Int {
        Int(Date().timeIntervalSince1970)
    }

    /// `yyyymmddhhmmssmmm` (Alpaca's activity id prefix).
    static func compactTimestamp(_ seconds: Int) -> String {
        let (year, month, day) = civil(epochDay: CivilDate.floorDivision(seconds, 86_400).quotient)
        let second = CivilDate.floorDivision(seconds, 86_400).remainder
        return pad(year, 4) + pad(month, 2) + pad(day, 2) + pad(second / 3600, 2) + pad(second / 60 % 60, 2) + pad(second % 60, 2) + "000"
    }

    /// `yyyy-mm-dd` of a day counted from 1970-01-01.
    static func date(epochDay: Int) -> String {
        let (year, month, day) = civil(epochDay: epochDay)
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
    }

    private static func clock(_ seconds: Int) -> String {
        let second = CivilDate.floorDivision(seconds, 86_400).remainder
        return pad(second / 3600, 2) + ":" + pad(second / 60 % 60, 2) + ":" + pad(second % 60, 2)
    }

    /// Year, month and day of a day counted from 1970-01-01.
    static func civil(epochDay: Int) -> (Int, Int, Int) {
        let date = CivilDate(daysSinceEpoch: epochDay)
        return (date.year, date.month, date.day)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
