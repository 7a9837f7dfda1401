import FoundationEssentials
// Loads the time-zone database: without it FoundationEssentials knows only GMT.
import FoundationInternationalization

/// Looks up IANA time-zone names, refusing what `TimeZone(identifier:)` accepts beyond them (abbreviations such as `EST`, `GMT+5`).
enum KnownTimeZone {
    /// The names the system lists, plus UTC and GMT.
    private static let listed = Set(TimeZone.knownTimeZoneIdentifiers).union(["UTC", "GMT"])

    /// The IANA areas: ICU lists some zones under an older name (Asia/Calcutta, not Asia/Kolkata), so any
    /// `Area/Location` name it resolves is accepted too.
    private static let areas: Set<Substring> = [
        "Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific", "Etc",
    ]

    /// The zone called `identifier`, if that is an IANA name.
    static func named(_ identifier: String) -> TimeZone? {
        guard let zone = TimeZone(identifier: identifier) else { return nil }
        let parts = identifier.split(separator: "/", omittingEmptySubsequences: false)
        guard listed.contains(identifier) || (parts.count >= 2 && areas.contains(parts[0])) else { return nil }
        return zone
    }
}
