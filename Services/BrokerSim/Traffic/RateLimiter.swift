import Synchronization

/// A token bucket per API key: capacity `rate`, refilled at `rate` per second.
///
/// A key idle long enough to have a full bucket is the same as an unknown key, so such keys are
/// dropped when the table grows; 100,000 active keys cost a few megabytes.
final class RateLimiter: Sendable {
    /// The outcome of one request against a key's bucket.
    struct Decision: Sendable, Equatable {
        /// Whether the request may proceed.
        var allowed: Bool
        /// The bucket's capacity; 0 when unlimited.
        var limit: Int
        /// Whole tokens left after this request.
        var remaining: Int
    }

    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private struct State {
        var buckets: [String: Bucket] = [:]
        var pruneAt = 65_536
    }

    private let state = Mutex(State())

    /// Takes one token from `key`'s bucket at time `now`; a `rate` of 0 allows everything.
    func acquire(key: String, rate: Int, now: ContinuousClock.Instant) -> Decision {
        guard rate > 0 else { return Decision(allowed: true, limit: 0, remaining: 0) }
        let capacity = Double(rate)
        return state.withLock { state in
            var bucket = state.buckets[key] ?? Bucket(tokens: capacity, updated: now)
            let elapsed = now - bucket.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            bucket.tokens = min(capacity, bucket.tokens + max(0, seconds) * capacity)
            bucket.updated = max(now, bucket.updated)
            let allowed = bucket.tokens >= 1
            if allowed { bucket.tokens -= 1 }
            state.buckets[key] = bucket
            if state.buckets.count >= state.pruneAt { Self.prune(&state, now: now) }
            return Decision(allowed: allowed, limit: rate, remaining: Int(bucket.tokens))
        }
    }

    /// Forgets every bucket (after the rate changes, say).
    func reset() {
        state.withLock { $0 = State() }
    }

    /// How many keys have state.
    var trackedKeys: Int { state.withLock { $0.buckets.count } }

    private static func prune(_ state: inout State, now: ContinuousClock.Instant) {
        state.buckets = state.buckets.filter { now - $0.value.updated < .seconds(1) }
        state.pruneAt = max(65_536, state.buckets.count * 2)
    }
}
