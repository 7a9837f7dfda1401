/// Counts failed logins per client address; after `limit` failures within `window` every login from that address
/// (even with a right token) is answered 429 until the window ends.
///
/// Kept in memory: an attacker who can write Redis cannot lift it. At most `capacity` addresses are tracked; when
/// full, the one whose window started first is forgotten.
actor LoginThrottle {
    let limit: Int
    let window: Duration
    let capacity: Int
    /// The current time (tests may pass another clock's).
    private let now: @Sendable () -> ContinuousClock.Instant
    private var failures: [String: (since: ContinuousClock.Instant, count: Int)] = [:]

    init(limit: Int, window: Duration, capacity: Int = 10_000, now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.limit = limit
        self.window = window
        self.capacity = capacity
        self.now = now
    }

    /// How long `address` must wait before trying again, or `nil` when it may try now.
    func retryAfter(_ address: String) -> Duration? {
        let now = self.now()
        guard let entry = failures[address] else { return nil }
        if now - entry.since >= window {
            failures[address] = nil
            return nil
        }
        return entry.count >= limit ? window - (now - entry.since) : nil
    }

    /// Counts one failed login from `address`.
    func failed(_ address: String) {
        let now = self.now()
        if var entry = failures[address], now - entry.since < window {
            entry.count += 1
            failures[address] = entry
            return
        }
        if failures.count >= capacity { prune(now) }
        failures[address] = (now, 1)
    }

    private func prune(_ now: ContinuousClock.Instant) {
        failures = failures.filter { now - $0.value.since < window }
        if failures.count >= capacity, let oldest = failures.min(by: { $0.value.since < $1.value.since })?.key {
            failures[oldest] = nil
        }
    }
}
