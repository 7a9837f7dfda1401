import CivilTime
public import FoundationEssentials

extension CronExpression {
    /// How far ahead the search goes: the Gregorian calendar (weekdays and leap days together) repeats every 400 years.
    static let searchDays = 146_097

    /// The first fire strictly after `instant`, in `zone`; nil if it never fires again.
    ///
    /// Cron times are wall-clock times in `zone`. Around daylight-saving changes:
    /// - A wall-clock time that does not exist (skipped when clocks spring forward) fires at the instant the same time
    ///   would have had before the change, i.e. shifted forward by the length of the gap: in America/New_York on
    ///   2026-03-08, 02:30 fires at 03:30 EDT (07:30 UTC). Several skipped times that land on the same instant fire once.
    /// - A wall-clock time that happens twice (clocks fall back): if the expression's hour field is restricted (not `*`
    ///   and not `*/N`), it fires once, at the first occurrence (daylight time). If the hour field is `*` or `*/N`, it
    ///   fires at both occurrences, so `*/15 * * * *` and `0 * * * *` keep firing every real 15 minutes or hour
    ///   through the repeated hour.
    public func nextFire(after instant: Date, in zone: TimeZone) -> Date? {
        firstFire(after: instant, inclusive: false, in: zone)
    }

    /// The first fire after `instant`, or at it when `inclusive`.
    func firstFire(after instant: Date, inclusive: Bool, in zone: TimeZone) -> Date? {
        let after = instant.timeIntervalSince1970
        let local = after + Double(zone.secondsFromGMT(for: instant))
        // A day earlier for safety: a time skipped late on the previous local day can land after `instant`.
        var day = Int((local / 86_400).rounded(.down)) - 1
        let lastDay = day + Self.searchDays
        while day <= lastDay {
            let date = CivilDate(daysSinceEpoch: day)
            guard months & (1 << UInt64(date.month)) != 0 else {
                day += date.daysInMonth - date.day + 1
                continue
            }
            guard matches(date) else {
                day += 1
                continue
            }
            let offsets = DayOffsets(day: day, zone: zone)
            guard let fire = firstFire(onDay: day, offsets, after: after, inclusive: inclusive) else {
                day += 1
                continue
            }
            guard !offsets.isUniform, matches(CivilDate(daysSinceEpoch: day + 1)) else {
                return Date(timeIntervalSince1970: Double(fire))
            }
            // A change near midnight can put a time of the next day before this one (e.g. a skipped 23:30 shifted past 00:15).
            let nextDay = firstFire(onDay: day + 1, DayOffsets(day: day + 1, zone: zone), after: after, inclusive: inclusive)
            return Date(timeIntervalSince1970: Double(min(fire, nextDay ?? fire)))
        }
        return nil
    }

    /// The earliest instant of local day `day` that fires after `after` (or at it when `inclusive`).
    private func firstFire(onDay day: Int, _ offsets: DayOffsets, after: Double, inclusive: Bool) -> Int? {
        let midnight = day * 86_400
        // An instant is local time minus an offset, so no local time before `after + lowest offset` can fire after `after`.
        let earliest = after + Double(min(offsets.before, offsets.after) - midnight)
        let secondNeeded = inclusive ? earliest.rounded(.up) : earliest.rounded(.down) + 1
        let minuteNeeded = secondNeeded <= 0 ? 0 : Int(min(1440, (secondNeeded / 60).rounded(.up)))
        var best: Int?
        for minuteOfDay in minutesOfDay(from: minuteNeeded) {
            let local = midnight + minuteOfDay * 60
            // Instants rise with local time except across a change, and never by more than the offsets differ.
            if let best, local - max(offsets.before, offsets.after) >= best { break }
            let times = offsets.instants(local: local, bothWhenRepeated: hourIsUnrestricted)
            if Self.isAfter(times.first, after, inclusive) { best = min(best ?? times.first, times.first) }
            if let second = times.second, Self.isAfter(second, after, inclusive) { best = min(best ?? second, second) }
            if offsets.isUniform, best != nil { break }
        }
        return best
    }

    /// The minutes of the day (hour * 60 + minute) the expression selects, ascending, from `start`.
    private func minutesOfDay(from start: Int) -> some Sequence<Int> {
        sequence(state: (hour: start / 60, minute: start % 60)) { position in
            while let hour = Self.nextBit(hours, from: position.hour) {
                if hour != position.hour { position = (hour, 0) }
                if let minute = Self.nextBit(minutes, from: position.minute) {
                    position.minute = minute + 1
                    return hour * 60 + minute
                }
                position = (hour + 1, 0)
            }
            return nil
        }
    }

    private static func isAfter(_ time: Int, _ after: Double, _ inclusive: Bool) -> Bool {
        inclusive ? Double(time) >= after : Double(time) > after
    }

    /// The lowest set bit of `bits` at or above `from`.
    static func nextBit(_ bits: UInt64, from: Int) -> Int? {
        guard from < 64 else { return nil }
        let remaining = bits & (~0 << UInt64(from))
        return remaining == 0 ? nil : remaining.trailingZeroBitCount
    }
}
