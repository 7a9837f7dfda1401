import CivilTime
import Contracts
import FoundationEssentials

/// Broker timestamps, read without trusting them: a time outside `TimeBounds` (1900-2200) is the
/// broker's error, never a `Date` that a formatter or an `Int` conversion downstream could trap on.
enum BrokerTime {
    /// An ISO 8601 time (`ISO8601.parse`) within `TimeBounds`; `nil` otherwise.
    static func parseISO8601(_ text: String) -> Date? {
        guard text.utf8.count <= 64, let date = ISO8601.parse(text), TimeBounds.contains(date) else { return nil }
        return date
    }

    /// `yyyy-mm-dd hh:mm:ss` (or just the date) in India Standard Time (UTC+05:30, no daylight saving), as Kite writes times.
    static func parseIST(_ text: String) -> Date? {
        let digits = Array(text.utf8)
        guard digits.count >= 10, digits.count <= 64 else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= digits.count else { return nil }
            var value = 0
            for index in range {
                let byte = digits[index]
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), TimeBounds.years.contains(year),
            let date = CivilDate(year: year, month: month, day: day)
        else { return nil }
        var seconds = 0
        if digits.count >= 19 {
            guard let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19), hour < 24, minute < 60, second < 61
            else { return nil }
            seconds = hour * 3600 + minute * 60 + second
        }
        let time = Date(timeIntervalSince1970: Double(date.daysSinceEpoch * 86_400 + seconds - 19_800))
        return TimeBounds.contains(time) ? time : nil
    }
}
