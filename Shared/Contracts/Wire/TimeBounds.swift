import CivilTime
public import FoundationEssentials

/// The times the system accepts from outside (a broker, a stream entry, a request): years
/// 1900-2200 UTC. Anything else is the sender's error, refused before it reaches a formatter, an
/// `Int` conversion or Postgres, none of which should ever see year 0 or year 300,000.
public enum TimeBounds {
    /// The years a time may fall in.
    public static let years = 1900...2200
    private static let start = Double(CivilDate(year: years.lowerBound, month: 1, day: 1)!.daysSinceEpoch) * 86_400
    private static let end = Double(CivilDate(year: years.upperBound + 1, month: 1, day: 1)!.daysSinceEpoch) * 86_400

    /// Whether `date` lies within `years`.
    public static func contains(_ date: Date) -> Bool {
        let seconds = date.timeIntervalSince1970
        return seconds >= start && seconds < end
    }
}
