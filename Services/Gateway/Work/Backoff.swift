/// Exponential backoff with full jitter: a uniform wait in [0, min(ceiling, base × 2^(attempt-1))].
///
/// Every computation saturates (milliseconds as `Int`, never a trap), and a broker's Retry-After
/// is obeyed only up to `retryAfterCeiling`, so no answer can park a job for years.
struct Backoff: Sendable {
    let base: Duration
    let ceiling: Duration
    /// The longest wait a broker's Retry-After can ask for (`PSYNC_RETRY_AFTER_MAX`).
    var retryAfterCeiling: Duration = .seconds(15 * 60)

    func delay(afterAttempt attempt: Int) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        let (grown, overflow) = Self.milliseconds(base).multipliedReportingOverflow(by: 1 << exponent)
        let cap = min(Self.milliseconds(ceiling), overflow ? .max : grown)
        return .milliseconds(Int.random(in: 0...max(cap, 1)))
    }

    /// The broker's Retry-After when it sent one, at most `retryAfterCeiling` (plus up to 10% jitter so
    /// replicas do not return together), else the backoff.
    func delay(afterAttempt attempt: Int, retryAfter: Duration?) -> Duration {
        guard let retryAfter else { return delay(afterAttempt: attempt) }
        let milliseconds = min(Self.milliseconds(retryAfter), Self.milliseconds(retryAfterCeiling))
        return .milliseconds(milliseconds + Int.random(in: 0...max(milliseconds / 10, 1)))
    }

    /// Whole milliseconds in 0...Int.max / 2 (so adding jitter cannot overflow either).
    static func milliseconds(_ duration: Duration) -> Int {
        guard duration > .zero else { return 0 }
        let (seconds, attoseconds) = duration.components
        let limit = Int.max / 2
        guard seconds < limit / 1000 else { return limit }
        return min(limit, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }
}
