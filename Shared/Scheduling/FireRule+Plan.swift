public import Contracts
public import FoundationEssentials

extension FireRule {
    /// The plan for a schedule whose stored next fire is `due` (<= now). Fires whose scheduled time is within `grace` of `now` are on time and always fire.
    ///
    /// Older ones are misfires (the scheduler was down): `.skip` drops them, `.once` fires only the latest of them, `.all` fires each
    /// (at most `limit`, oldest dropped beyond that, counted in `missed`). The fires considered are the rule's fire times from
    /// `due` through `now`. When `due` is after `now` nothing is due: the plan fires nothing and keeps `due` as `next`.
    public func plan(due: Date, now: Date, policy: MisfirePolicy, grace: Duration, limit: Int = 1000) -> FirePlan {
        guard due <= now else { return FirePlan(fires: [], missed: 0, next: due) }
        let graceSeconds = max(0, Double(grace.components.seconds) + Double(grace.components.attoseconds) / 1e18)
        let onTimeFrom = now.addingTimeInterval(-graceSeconds)
        let kept =
            switch policy {
            case .skip: 0
            case .once: 1
            case .all: max(0, limit)
            }
        let late = misfires(from: due, before: onTimeFrom, keepingLast: kept)
        let onTime = fires(from: max(due, onTimeFrom), through: now, limit: .max)
        return FirePlan(fires: late.kept + onTime, missed: late.count - late.kept.count, next: nextFire(after: now))
    }

    /// How many fire times t have from <= t < before, and the last `keep` of them, ascending.
    private func misfires(from: Date, before: Date, keepingLast keep: Int) -> (kept: [Date], count: Int) {
        guard from < before else { return ([], 0) }
        if case .interval(let seconds, let anchor) = self {
            let first = Self.intervalIndex(after: from, inclusive: true, seconds: seconds, anchor: anchor)
            let end = Self.intervalIndex(after: before, inclusive: true, seconds: seconds, anchor: anchor)
            let count = max(0, end - first)
            return (((end - min(keep, count))..<end).map { Self.intervalFire($0, seconds, anchor) }, count)
        }
        var ring: [Date] = []
        var count = 0
        var candidate = firstFire(after: from, inclusive: true)
        while let fire = candidate, fire < before {
            if keep > 0 {
                if ring.count < keep { ring.append(fire) } else { ring[count % keep] = fire }
            }
            count += 1
            candidate = nextFire(after: fire)
        }
        guard count > keep, keep > 0 else { return (ring, count) }
        let oldest = count % keep
        return (Array(ring[oldest...] + ring[..<oldest]), count)
    }
}
