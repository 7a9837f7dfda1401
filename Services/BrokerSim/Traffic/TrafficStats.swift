import Synchronization

/// Counts of the broker requests served: by status, by broker, by API key, and each key's busiest second.
final class TrafficStats: Sendable {
    private struct KeyTraffic {
        var requests = 0
        var maxPerSecond = 0
        /// Arrival times still inside the last second, from `head` on.
        var recent: [ContinuousClock.Instant] = []
        var head = 0

        mutating func record(_ now: ContinuousClock.Instant) {
            requests += 1
            while head < recent.count, now - recent[head] >= .seconds(1) { head += 1 }
            if head > 32, head * 2 > recent.count {
                recent.removeFirst(head)
                head = 0
            }
            recent.append(now)
            maxPerSecond = max(maxPerSecond, recent.count - head)
        }
    }

    private struct State {
        var requests = 0
        var byStatus: [Int: Int] = [:]
        var byBroker = [Int](repeating: 0, count: Broker.allCases.count)
        var rateLimited = 0
        var byKey: [String: KeyTraffic] = [:]
    }

    private let state = Mutex(State())

    /// Records one request `broker` answered with `status`; `key` is its API key when it sent one.
    func record(_ broker: Broker, key: String?, status: Int, rateLimited: Bool, now: ContinuousClock.Instant) {
        state.withLock { state in
            state.requests += 1
            state.byStatus[status, default: 0] += 1
            state.byBroker[broker.index] += 1
            if rateLimited { state.rateLimited += 1 }
            if let key { state.byKey[key, default: KeyTraffic()].record(now) }
        }
    }

    /// Forgets everything.
    func reset() {
        state.withLock { $0 = State() }
    }

    /// The counts so far; `byKey` lists the `keyLimit` busiest keys.
    func report(keyLimit: Int = 1000) -> StatsReport {
        state.withLock { state in
            var byBroker: [String: Int] = [:]
            for broker in Broker.allCases { byBroker[broker.rawValue] = state.byBroker[broker.index] }
            let busiest = state.byKey.sorted { $0.value.requests > $1.value.requests || ($0.value.requests == $1.value.requests && $0.key < $1.key) }
            var byKey: [String: StatsReport.KeyReport] = [:]
            for (key, traffic) in busiest.prefix(keyLimit) {
                byKey[key] = StatsReport.KeyReport(requests: traffic.requests, maxPerSecond: traffic.maxPerSecond)
            }
            return StatsReport(
                requests: state.requests,
                byStatus: Dictionary(uniqueKeysWithValues: state.byStatus.map { (String($0.key), $0.value) }),
                byBroker: byBroker,
                rateLimited: state.rateLimited,
                keys: state.byKey.count,
                maxPerSecond: state.byKey.values.map(\.maxPerSecond).max() ?? 0,
                byKey: byKey
            )
        }
    }
}
