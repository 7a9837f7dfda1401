import FoundationEssentials
import SandboxData

/// What the simulator serves and how badly it behaves; set from the environment, changed through `PUT /sim/config`.
struct SimulatorSettings: Codable, Sendable, Equatable {
    /// Added to every broker response (`PSYNC_SIM_LATENCY`).
    var latencyMs = 0
    /// Requests per second per API key; 0 means unlimited (`PSYNC_SIM_RATE_LIMIT`).
    var rateLimitPerSecond = 0
    /// Positions per account (`PSYNC_SIM_HOLDINGS`).
    var holdingsPerAccount = 20
    /// The simulated day (`PSYNC_SIM_DAY`).
    var day = 0
    /// Share of tokens that are always expired (`PSYNC_SIM_EXPIRED_FRACTION`).
    var expiredFraction = 0.0
    /// Share of requests answered with a transient 5xx (`PSYNC_SIM_TRANSIENT_FRACTION`).
    var transientFraction = 0.0

    static let latencyRange = 0...600_000
    static let rateRange = 0...1_000_000
    static let holdingsRange = 0...10_000
    static let dayRange = 0...100_000

    /// The first field out of range, named, or `nil` when all are fine.
    func problem() -> String? {
        if !Self.latencyRange.contains(latencyMs) { return "latencyMs must be 0-600000, got \(latencyMs)" }
        if !Self.rateRange.contains(rateLimitPerSecond) { return "rateLimitPerSecond must be 0-1000000, got \(rateLimitPerSecond)" }
        if !Self.holdingsRange.contains(holdingsPerAccount) { return "holdingsPerAccount must be 0-10000, got \(holdingsPerAccount)" }
        if !Self.dayRange.contains(day) { return "day must be 0-100000, got \(day)" }
        if !(0.0...1.0).contains(expiredFraction) { return "expiredFraction must be 0.0-1.0, got \(expiredFraction)" }
        if !(0.0...1.0).contains(transientFraction) { return "transientFraction must be 0.0-1.0, got \(transientFraction)" }
        return nil
    }

    /// Whether `token` is expired under these settings: an `expired-` prefix, or a hash below the fraction.
    func isExpired(token: String) -> Bool {
        if token.hasPrefix("expired-") { return true }
        guard expiredFraction > 0 else { return false }
        return Double(SimulatedPortfolio.hash(token) % 10_000) < expiredFraction * 10_000
    }
}

/// The body of `PUT /sim/config`: any subset of the settings.
struct SimulatorSettingsPatch: Codable, Sendable {
    var latencyMs: Int?
    var rateLimitPerSecond: Int?
    var holdingsPerAccount: Int?
    var day: Int?
    var expiredFraction: Double?
    var transientFraction: Double?

    /// `settings` with every field this patch sets replaced.
    func applied(to settings: SimulatorSettings) -> SimulatorSettings {
        var result = settings
        if let latencyMs { result.latencyMs = latencyMs }
        if let rateLimitPerSecond { result.rateLimitPerSecond = rateLimitPerSecond }
        if let holdingsPerAccount { result.holdingsPerAccount = holdingsPerAccount }
        if let day { result.day = day }
        if let expiredFraction { result.expiredFraction = expiredFraction }
        if let transientFraction { result.transientFraction = transientFraction }
        return result
    }
}
