import ServiceKit

/// Settings of psync-brokersim: the shared ones (default port 7190) plus the simulator's.
///
/// | variable | default |
/// | --- | --- |
/// | `PSYNC_SIM_LATENCY` | `0ms`, added to every broker response |
/// | `PSYNC_SIM_RATE_LIMIT` | `0`: unlimited requests per second per API key |
/// | `PSYNC_SIM_HOLDINGS` | `20` positions per account |
/// | `PSYNC_SIM_DAY` | `0` |
/// | `PSYNC_SIM_EXPIRED_FRACTION` | `0.0` of tokens always expired |
/// | `PSYNC_SIM_TRANSIENT_FRACTION` | `0.0` of requests answered with a transient 5xx |
/// | `PSYNC_SIM_CACHE_SIZE` | `8192` portfolios kept computed (and as many trade lists) |
struct BrokerSimConfiguration: Sendable {
    /// The settings every service shares.
    var service = ServiceConfiguration(defaultPort: 7190)
    /// The initial simulator settings (changeable at run time through `/sim/config`).
    var simulator = SimulatorSettings()
    /// How many portfolios (and trade lists) stay computed; 0 computes every one afresh.
    var cacheSize = 8192

    /// Defaults.
    init() {}

    /// Defaults overridden by whatever the environment sets.
    init(environment: EnvironmentReader) throws {
        service = try ServiceConfiguration(defaultPort: 7190, environment: environment)
        if let latency = try environment.duration("PSYNC_SIM_LATENCY") {
            let (seconds, attoseconds) = latency.components
            let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
            guard milliseconds <= Int64(SimulatorSettings.latencyRange.upperBound) else {
                throw ConfigurationError("PSYNC_SIM_LATENCY must be at most 10m, got '\(environment.string("PSYNC_SIM_LATENCY") ?? "")'")
            }
            simulator.latencyMs = Int(milliseconds)
        }
        simulator.rateLimitPerSecond = try environment.int("PSYNC_SIM_RATE_LIMIT", in: SimulatorSettings.rateRange) ?? simulator.rateLimitPerSecond
        simulator.holdingsPerAccount = try environment.int("PSYNC_SIM_HOLDINGS", in: SimulatorSettings.holdingsRange) ?? simulator.holdingsPerAccount
        simulator.day = try environment.int("PSYNC_SIM_DAY", in: SimulatorSettings.dayRange) ?? simulator.day
        simulator.expiredFraction = try Self.fraction(environment, "PSYNC_SIM_EXPIRED_FRACTION") ?? simulator.expiredFraction
        simulator.transientFraction = try Self.fraction(environment, "PSYNC_SIM_TRANSIENT_FRACTION") ?? simulator.transientFraction
        cacheSize = try environment.int("PSYNC_SIM_CACHE_SIZE", in: 0...1_000_000) ?? cacheSize
    }

    private static func fraction(_ environment: EnvironmentReader, _ name: String) throws -> Double? {
        guard let text = environment.string(name) else { return nil }
        guard let value = Double(text), (0.0...1.0).contains(value) else {
            throw ConfigurationError("\(name) must be a number 0.0-1.0, got '\(text.prefix(40))'")
        }
        return value
    }
}
