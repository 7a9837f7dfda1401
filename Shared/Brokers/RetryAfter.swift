import CivilTime
import CurlClient
import FoundationEssentials

/// How long a broker asks us to wait, read defensively: never negative, never more than a limit,
/// and computed without arithmetic that can overflow whatever the header says.
enum RetryAfter {
    /// `Retry-After` (delta-seconds or an HTTP-date, RFC 9110 §10.2.3), else Alpaca's `X-Ratelimit-Reset`
    /// (Unix seconds); `nil` when neither is there or readable.
    static func wait(in response: HTTPClientResponse, now: Date, limit: Duration) -> Duration? {
        if let value = response.header("Retry-After"), let wait = parse(value, now: now, limit: limit) { return wait }
        if let reset = response.header("X-Ratelimit-Reset").flatMap({ seconds($0.trimmingCharacters(in: " ")) }) {
            let now = nowSeconds(now)
            return reset > now ? clamp(seconds: difference(reset, now), limit: limit) : nil
        }
        return nil
    }

    /// A `Retry-After` value: `120` or `Wed, 21 Oct 2015 07:28:00 GMT` (or RFC 850 / asctime), at most `limit`; a date past is zero.
    static func parse(_ value: String, now: Date, limit: Duration) -> Duration? {
        let text = value.trimmingCharacters(in: " ")
        if let seconds = seconds(text) { return clamp(seconds: seconds, limit: limit) }
        let now = nowSeconds(now)
        guard let date = httpDate(text, now: now) else { return nil }
        return clamp(seconds: date > now ? difference(date, now) : 0, limit: limit)
    }

    /// Non-negative decimal digits as seconds, saturating at `Int.max`; `nil` for anything else (signs included).
    static func seconds(_ text: String) -> Int? {
        guard !text.isEmpty, text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        var value = 0
        for byte in text.utf8 {
            let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
            let (next, overflowAdding) = shifted.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
            if overflow || overflowAdding { return .max }
            value = next
        }
        return value
    }

    private static func clamp(seconds: Int, limit: Duration) -> Duration {
        let limitSeconds = max(0, limit.components.seconds)
        return Int64(clamping: seconds) >= limitSeconds ? max(limit, .zero) : .seconds(seconds)
    }

    /// `later - earlier`, saturating at `Int.max`.
    private static func difference(_ later: Int, _ earlier: Int) -> Int {
        let (value, overflow) = later.subtractingReportingOverflow(earlier)
        return overflow ? .max : value
    }

    private static func nowSeconds(_ now: Date) -> Int {
        let seconds = now.timeIntervalSince1970
        return seconds.isFinite ? Int(max(-1e15, min(1e15, seconds))) : 0
    }

    /// Seconds since 1970 of an HTTP-date: IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`, or the obsolete
    /// RFC 850 `Sunday, 06-Nov-94 08:49:37 GMT` and asctime `Sun Nov  6 08:49:37 1994`, which RFC 9110 says to accept.
    static func httpDate(_ text: String, now: Int) -> Int? {
        let parts = text.split(separator: " ")
        let day: Substring
        let month: Substring
        let year: Substring
        let time: Substring
        switch parts.count {
        case 6 where parts[0].hasSuffix(",") && parts[5] == "GMT":
            (day, month, year, time) = (parts[1], parts[2], parts[3], parts[4])
        case 4 where parts[0].hasSuffix(",") && parts[3] == "GMT":
            let pieces = parts[1].split(separator: "-")
            guard pieces.count == 3 else { return nil }
            (day, month, year, time) = (pieces[0], pieces[1], pieces[2], parts[2])
        case 5:
            (month, day, time, year) = (parts[1], parts[2], parts[3], parts[4])
        default:
            return nil
        }
        guard let monthNumber = months.firstIndex(of: String(month)).map({ $0 + 1 }), let dayNumber = number(day, digits: 1...2) else { return nil }
        var yearNumber: Int
        if year.count == 2, let short = number(year, digits: 2...2) {
            yearNumber = 2000 + short
            // RFC 9110: a two-digit year more than 50 years ahead is in the past century.
            if yearNumber > CivilDate(daysSinceEpoch: now / 86_400).year + 50 { yearNumber -= 100 }
        } else {
            guard let long = number(year, digits: 4...4) else { return nil }
            yearNumber = long
        }
        let clock = time.split(separator: ":")
        guard clock.count == 3, let hour = number(clock[0], digits: 2...2), let minute = number(clock[1], digits: 2...2),
            let second = number(clock[2], digits: 2...2), hour < 24, minute < 60, second < 61,
            let date = CivilDate(year: yearNumber, month: monthNumber, day: dayNumber)
        else { return nil }
        return date.daysSinceEpoch * 86_400 + hour * 3600 + minute * 60 + second
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    private static func number(_ text: Substring, digits: ClosedRange<Int>) -> Int? {
        guard digits.contains(text.utf8.count), text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        return text.utf8.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }
}
