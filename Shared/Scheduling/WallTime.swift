import Contracts
public import FoundationEssentials
import FoundationInternationalization

/// A one-off schedule's time as people type it: ISO 8601 with an offset, or a wall time in a time zone
/// (`2026-12-01 09:00`, `2026-12-01T09:00:30`, as an HTML `datetime-local` field sends it).
public enum WallTime {
    /// The instant `text` names, reading a wall time in `zone` (an IANA name); `nil` when it is neither form or the zone is unknown.
    public static func instant(_ text: String, zone: String) -> Date? {
        if let date = ISO8601.parse(text) { return date }
        guard let timeZone = KnownTimeZone.named(zone) else { return nil }
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "T" })
        guard parts.count == 2 else { return nil }
        let day = parts[0].split(separator: "-").compactMap { Int($0) }
        let clock = parts[1].split(separator: ":").compactMap { Int($0) }
        guard day.count == 3, (2...3).contains(clock.count), parts[1].split(separator: ":").count == clock.count,
            (1...12).contains(day[1]), (1...31).contains(day[2]), (0...23).contains(clock[0]), (0...59).contains(clock[1]),
            (0...59).contains(clock.count == 3 ? clock[2] : 0)
        else { return nil }
        var components = DateComponents()
        components.year = day[0]
        components.month = day[1]
        components.day = day[2]
        components.hour = clock[0]
        components.minute = clock[1]
        components.second = clock.count == 3 ? clock[2] : 0
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar.date(from: components)
    }

    /// `date` as a wall time in `zone` (`2026-12-01T09:00`, for a `datetime-local` field), or UTC for an unknown zone.
    public static func text(_ date: Date, zone: String) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = KnownTimeZone.named(zone) ?? TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String {
            let number = value ?? 0
            return number < 10 ? "0\(number)" : "\(number)"
        }
        let seconds = (parts.second ?? 0) == 0 ? "" : ":" + two(parts.second)
        return "\(parts.year ?? 0)-\(two(parts.month))-\(two(parts.day))T\(two(parts.hour)):\(two(parts.minute))\(seconds)"
    }

    /// `date` in `zone` for people: `2026-12-01 09:00 IST` (`Asia/Kolkata` when the zone has no abbreviation).
    public static func display(_ date: Date, zone: String) -> String {
        let text = Self.text(date, zone: zone).replacing("T", with: " ")
        let timeZone = KnownTimeZone.named(zone) ?? TimeZone(identifier: "UTC")!
        let abbreviation = timeZone.abbreviation(for: date).flatMap { $0.hasPrefix("GMT+") || $0.hasPrefix("GMT-") ? nil : $0 }
        return "\(text) \(abbreviation ?? timeZone.identifier)"
    }

    /// Whether `zone` is an IANA time-zone name.
    public static func isKnown(_ zone: String) -> Bool { KnownTimeZone.named(zone) != nil }
}
