/// The body of `GET /sim/stats`.
struct StatsReport: Codable, Sendable, Equatable {
    /// One API key's traffic.
    struct KeyReport: Codable, Sendable, Equatable {
        var requests: Int
        /// The most requests it sent within any one second.
        var maxPerSecond: Int
    }

    /// Broker requests served (control and health routes not counted).
    var requests: Int
    /// Requests by the HTTP status answered, e.g. `"200": 12`.
    var byStatus: [String: Int]
    /// Requests by wire format: `kite`, `alpaca`, `upstox`, `sandbox`.
    var byBroker: [String: Int]
    /// Requests refused by the rate limit (injected 429 faults not counted).
    var rateLimited: Int
    /// Distinct API keys seen.
    var keys: Int
    /// The most requests any one API key sent within any one second.
    var maxPerSecond: Int
    /// The busiest API keys (at most 1000).
    var byKey: [String: KeyReport]
}
