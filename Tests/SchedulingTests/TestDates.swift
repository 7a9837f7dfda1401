import FoundationEssentials

/// The instant written as UTC ISO-8601, e.g. `2026-03-08T07:30:00Z`.
func utc(_ text: String) -> Date {
    try! Date(text, strategy: .iso8601)
}

/// The instant as UTC ISO-8601, for readable failures.
func iso(_ date: Date?) -> String {
    date.map { $0.formatted(.iso8601) } ?? "nil"
}

/// A zone the tests know exists.
func zone(_ identifier: String) -> TimeZone {
    TimeZone(identifier: identifier)!
}
