/// Exponential backoff with full jitter: a uniform wait in [0, min(ceiling, base × 2^(attempt-1))].
struct Backoff: Sendable {
    let base: Duration
    let ceiling: Duration

    func delay(afterAttempt attempt: Int) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        let cap = min(ceiling, base * (1 << exponent))
        let milliseconds = Int(cap.components.seconds) * 1000 + Int(cap.components.attoseconds / 1_000_000_000_000_000)
        return .milliseconds(Int.random(in: 0...max(milliseconds, 1)))
    }

    /// The broker's Retry-After when it sent one (plus up to 10% jitter so replicas do not return together), else the backoff.
    func delay(afterAttempt attempt: Int, retryAfter: Duration?) -> Duration {
        guard let retryAfter else { return delay(afterAttempt: attempt) }
        let milliseconds = Int(retryAfter.components.seconds) * 1000 + Int(retryAfter.components.attoseconds / 1_000_000_000_000_000)
        return .milliseconds(milliseconds + Int.random(in: 0...max(milliseconds / 10, 1)))
    }
}
