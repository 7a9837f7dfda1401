import Synchronization

/// Upstox's rate limits: per user, several windows at once (per second, per minute, per 30 minutes), each a fixed
/// window counted from the user's first call in it; a call over any of them is refused and not counted.
/// Source: upstox.com/developer/api-documentation/rate-limiting ("per user per API"; 429 with `UDAPI10005`).
final class UpstoxLimiter: Sendable {
    private struct Window {
        var start: ContinuousClock.Instant
        var count: Int
    }

    private struct State {
        var users: [String: [Window]] = [:]
        var pruneAt = 65_536
    }

    private let state = Mutex(State())

    /// Counts a call of `user` at `now` against `windows`; `false` when one of them is full.
    func allow(user: String, windows: [(limit: Int, seconds: Int)], now: ContinuousClock.Instant) -> Bool {
        state.withLock { state in
            var counters = state.users[user] ?? []
            while counters.count < windows.count { counters.append(Window(start: now, count: 0)) }
            for (index, window) in windows.enumerated() where now - counters[index].start >= .seconds(window.seconds) {
                counters[index] = Window(start: now, count: 0)
            }
            let allowed = windows.indices.allSatisfy { counters[$0].count < windows[$0].limit }
            if allowed {
                for index in windows.indices { counters[index].count += 1 }
            }
            state.users[user] = counters
            if state.users.count >= state.pruneAt {
                state.users = state.users.filter { entry in entry.value.contains { now - $0.start < .seconds(1800) } }
                state.pruneAt = max(65_536, state.users.count * 2)
            }
            return allowed
        }
    }
}
