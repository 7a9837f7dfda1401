import FoundationEssentials

/// The UTC offsets a time zone has around one local day, and where local times of that day fall.
///
/// Local times are counted as seconds since 1970-01-01T00:00 read as if the zone were UTC ("local-as-UTC").
/// Around the day the zone has one offset, or changes once from `before` to `after` at the instant `change`.
struct DayOffsets {
    /// The offset (seconds east of UTC) before any change.
    let before: Int
    /// The offset after the change; equal to `before` when there is none.
    let after: Int
    /// The first instant (seconds since the epoch) with the offset `after`.
    let change: Int

    /// Whether one offset holds from a day before `day` to a day after it.
    var isUniform: Bool { before == after }

    /// The offsets around local day `day` (days since 1970-01-01) in `zone`.
    init(day: Int, zone: TimeZone) {
        // Local day `day` lies within the instants (day - 1) and (day + 2) days after the epoch, as offsets are within ±14 h.
        var low = (day - 1) * 86_400
        var high = (day + 2) * 86_400
        before = Self.offset(at: low, in: zone)
        after = Self.offset(at: high, in: zone)
        guard before != after else {
            change = high
            return
        }
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if Self.offset(at: middle, in: zone) == before { low = middle } else { high = middle }
        }
        change = high
    }

    /// The instants at which local time `local` happens, per the daylight-saving rule of ``CronExpression/nextFire(after:in:)``.
    ///
    /// A time skipped by the change happens at `local - before`, i.e. shifted forward by the gap. A time that happens
    /// twice gives both instants when `bothWhenRepeated`, else only the first.
    func instants(local: Int, bothWhenRepeated: Bool) -> (first: Int, second: Int?) {
        let early = local - before
        let late = local - after
        let earlyExists = early < change
        let lateExists = late >= change
        switch (earlyExists, lateExists) {
        case (true, true): return (min(early, late), bothWhenRepeated && early != late ? max(early, late) : nil)
        case (true, false): return (early, nil)
        case (false, true): return (late, nil)
        case (false, false): return (early, nil)
        }
    }

    private static func offset(at instant: Int, in zone: TimeZone) -> Int {
        zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(instant)))
    }
}
