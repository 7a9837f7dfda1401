import ExactDecimal
import Foundation

/// How values read in tables: exact decimals, local times with their zone, durations with units.
enum Format {
    // nonisolated(unsafe): configured once here and only read after; DateFormatter formatting is thread-safe.
    nonisolated(unsafe) private static let local: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone.current
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss xxx"
        return formatter
    }()

    /// `2026-11-25 08:00:00 +05:30` in the local time zone; `-` for none.
    static func time(_ date: Date?) -> String {
        guard let date else { return "-" }
        return local.string(from: date)
    }

    /// `2026-11-25 08:00:00 +05:30 (in 4m 59s)`.
    static func timeWithDistance(_ date: Date?, now: Date = Date()) -> String {
        guard let date else { return "-" }
        return "\(time(date)) (\(distance(date, now: now)))"
    }

    /// `in 4m 59s` or `3m 2s ago`.
    static func distance(_ date: Date, now: Date = Date()) -> String {
        let seconds = date.timeIntervalSince(now)
        return seconds >= 0 ? "in \(duration(seconds))" : "\(duration(-seconds)) ago"
    }

    /// `1d 2h`, `4m 59s`, `850ms`: the two largest units.
    static func duration(_ seconds: Double) -> String {
        if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
        var rest = Int(seconds.rounded())
        let units: [(String, Int)] = [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)]
        var parts: [String] = []
        for (name, size) in units where rest >= size || (name == "s" && parts.isEmpty) {
            parts.append("\(rest / size)\(name)")
            rest %= size
            if parts.count == 2 { break }
        }
        return parts.joined(separator: " ")
    }

    /// An exact decimal, `-` for none.
    static func decimal(_ value: Decimal?) -> String {
        value?.exactText ?? "-"
    }

    /// An amount with its currency: `12345.50 INR`.
    static func money(_ value: Decimal?, _ currency: String) -> String {
        guard let value else { return "-" }
        return "\(value.exactText) \(currency)"
    }

    /// `yes` / `no`.
    static func flag(_ value: Bool) -> String { value ? "yes" : "no" }

    /// An optional text, `-` for none.
    static func text(_ value: String?) -> String {
        guard let value, !value.isEmpty else { return "-" }
        return value
    }

    /// Text cut to `limit` characters with an ellipsis.
    static func clipped(_ value: String?, _ limit: Int = 60) -> String {
        let text = Format.text(value).replacingOccurrences(of: "\n", with: " ")
        return text.count > limit ? String(text.prefix(limit - 1)) + "…" : text
    }
}
