public import Metrics
import Synchronization

/// Counters of one label told apart by one dimension, each made once: building a `Counter` asks the
/// metrics factory for it under a lock and hashes its dimensions, which a per-job path would pay every time.
///
/// ```swift
/// let jobs = CounterFamily(label: "psync_jobs_total", fixed: [("broker", "ZERODHA")], dimension: "outcome")
/// jobs.increment("succeeded")
/// ```
public final class CounterFamily: Sendable {
    private let label: String
    private let fixed: [(String, String)]
    private let dimension: String
    private let counters = Mutex<[String: Counter]>([:])

    /// Counters named `label` with the `fixed` dimensions, plus `dimension` set to each value `increment` is given.
    /// Only use a dimension whose values are few (an outcome, an HTTP status): each value keeps a counter.
    public init(label: String, fixed: [(String, String)] = [], dimension: String) {
        self.label = label
        self.fixed = fixed
        self.dimension = dimension
    }

    /// Adds one to the counter for `value`.
    public func increment(_ value: String) {
        let counter = counters.withLock { counters in
            if let counter = counters[value] { return counter }
            let counter = Counter(label: label, dimensions: fixed + [(dimension, value)])
            counters[value] = counter
            return counter
        }
        counter.increment()
    }
}
