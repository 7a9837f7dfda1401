import HTTPTypes
import Hummingbird
import SandboxData
import Synchronization

/// The simulator's state and the path every broker request takes: credentials, rate limit, injected
/// faults, expiry, transient failures, then the broker's own body, all after the configured latency.
///
/// ```swift
/// let simulator = BrokerSimulator(settings: SimulatorSettings(), cacheSize: 8192)
/// router.get("/portfolio/holdings") { request, _ in
///     await simulator.serve(KiteDialect(), request) { caller, settings in BrokerResponse.json(.ok, body(caller.token, settings)) }
/// }
/// ```
final class BrokerSimulator: Sendable {
    /// Faults queued per token.
    let faults = FaultBook()
    /// Per-API-key token buckets.
    let limiter = RateLimiter()
    /// What has been served.
    let stats = TrafficStats()
    /// Computed portfolios.
    let portfolios: PortfolioCache
    private let current: Mutex<SimulatorSettings>
    private let transientTurn = Atomic<Int>(0)

    /// A simulator starting with `settings`, keeping about `cacheSize` portfolios computed.
    init(settings: SimulatorSettings, cacheSize: Int) {
        current = Mutex(settings)
        portfolios = PortfolioCache(capacity: cacheSize)
    }

    /// The settings now in force.
    var settings: SimulatorSettings { current.withLock { $0 } }

    /// Applies `patch`; returns the new settings, or the problem that kept them unchanged.
    func update(_ patch: SimulatorSettingsPatch) -> Result<SimulatorSettings, SettingsProblem> {
        let result: Result<SimulatorSettings, SettingsProblem> = current.withLock { settings in
            let updated = patch.applied(to: settings)
            if let problem = updated.problem() { return .failure(SettingsProblem(message: problem)) }
            settings = updated
            return .success(updated)
        }
        if patch.rateLimitPerSecond != nil { limiter.reset() }
        return result
    }

    /// The cache key of `token`'s portfolio under `settings` in `market`.
    func portfolio(_ token: String, _ settings: SimulatorSettings, _ market: SimulatedPortfolio.Market) -> PortfolioCache.Key {
        PortfolioCache.Key(token: token, day: settings.day, count: settings.holdingsPerAccount, market: market)
    }

    /// Serves one request to `dialect`'s broker; `render` makes the normal answer. Never throws.
    func serve(
        _ dialect: some BrokerDialect, _ request: Request, render: (BrokerCaller, SimulatorSettings) async -> Response
    ) async -> Response {
        await serve(dialect, caller: dialect.caller(of: request), path: request.uri.path, render: render)
    }

    /// Serves one request whose credentials are already known (or known to be unusable); `path` picks the shape of hostile faults.
    func serve(
        _ dialect: some BrokerDialect, caller: Result<BrokerCaller, BrokerFailure>, path: String = "",
        render: (BrokerCaller, SimulatorSettings) async -> Response
    ) async -> Response {
        let settings = self.settings
        let now = ContinuousClock.now
        var delay = Duration.milliseconds(settings.latencyMs)
        var quota = RateLimiter.Decision(allowed: true, limit: 0, remaining: 0)
        var key: String?
        var response: Response
        switch caller {
        case .failure(let failure):
            response = dialect.response(for: failure)
        case .success(let caller):
            key = caller.rateKey
            quota = limiter.acquire(key: caller.rateKey, rate: settings.rateLimitPerSecond, now: now)
            if !quota.allowed {
                response = dialect.response(for: .rateLimited)
            } else if let fault = faults.next(for: caller.token) {
                if case .slow(let milliseconds) = fault { delay += .milliseconds(milliseconds) }
                if let faulty = FaultResponse.make(fault, dialect: dialect, path: path) {
                    response = faulty
                } else {
                    response = await answer(caller, settings, dialect, render)
                }
            } else {
                response = await answer(caller, settings, dialect, render)
            }
        }
        dialect.decorate(&response, quota: quota)
        stats.record(dialect.broker, key: key, status: Int(response.status.code), rateLimited: !quota.allowed, now: now)
        if delay > .zero { try? await Task.sleep(for: delay) }
        return response
    }

    /// The answer without injected faults: expiry, random transient failures, or the data.
    private func answer(
        _ caller: BrokerCaller, _ settings: SimulatorSettings, _ dialect: some BrokerDialect,
        _ render: (BrokerCaller, SimulatorSettings) async -> Response
    ) async -> Response {
        if caller.checksExpiry, settings.isExpired(token: caller.token) {
            return dialect.response(for: .unauthorized("the access token has expired"))
        }
        if settings.transientFraction > 0, Double.random(in: 0..<1) < settings.transientFraction {
            let turn = transientTurn.wrappingAdd(1, ordering: .relaxed).oldValue
            return turn % 2 == 0 ? BrokerResponse.html(.badGateway, BrokerResponse.badGatewayPage) : dialect.response(for: .unavailable)
        }
        return await render(caller, settings)
    }
}

/// A settings change refused, with the field at fault named.
struct SettingsProblem: Error, Sendable {
    var message: String
}
