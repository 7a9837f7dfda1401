import FoundationEssentials

/// When a failed delivery is tried again: exponential backoff with full jitter, within a window from its first attempt.
///
/// ```swift
/// let policy = RetryPolicy(base: .seconds(10), maximum: .seconds(3600), window: .seconds(86_400))
/// policy.nextAttempt(after: 3, failedAt: now, firstAttemptAt: first)   // now + up to 40 s, or nil once past the window
/// ```
struct RetryPolicy: Sendable {
    /// The first retry waits up to this.
    var base: Duration
    /// No wait is longer than this.
    var maximum: Duration
    /// No attempt is made later than this after the first.
    var window: Duration

    /// The longest wait after attempt `attempt` (1 for the first): `min(maximum, base · 2^(attempt−1))`.
    func ceiling(after attempt: Int) -> Double {
        let exponent = UInt64(min(max(attempt, 1) - 1, 60))
        return min(maximum.seconds, base.seconds * Double(UInt64(1) << exponent))
    }

    /// When to try again after attempt `attempt` failed at `failedAt`: a random moment up to the ceiling from now (full
    /// jitter, `random` in 0...1); nil when that moment is past the window, so the delivery fails for good.
    func nextAttempt(after attempt: Int, failedAt: Date, firstAttemptAt: Date, random: Double = Double.random(in: 0...1)) -> Date? {
        let next = failedAt.addingTimeInterval(ceiling(after: attempt) * min(max(random, 0), 1))
        return next > firstAttemptAt.addingTimeInterval(window.seconds) ? nil : next
    }
}

extension Duration {
    /// In seconds, with fractions.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
