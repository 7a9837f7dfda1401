import Hummingbird
import SandboxData
import ServiceKit

/// Alpaca's Trading API: account, positions and account activities under `/v2` (the live host) and under
/// `/alpaca-paper/v2` (the paper host, `PSYNC_ALPACA_PAPER_BASE_URL`); a key is served only by its own host.
struct AlpacaRoutes {
    let simulator: BrokerSimulator
    /// Where the paper host's paths start.
    static let paperPrefix = "/alpaca-paper"

    func register(on router: Router<ServiceRequestContext>) {
        register(on: router, prefix: "", dialect: AlpacaDialect(paper: false))
        register(on: router, prefix: Self.paperPrefix, dialect: AlpacaDialect(paper: true))
    }

    private func register(on router: Router<ServiceRequestContext>, prefix: String, dialect: AlpacaDialect) {
        let simulator = simulator
        router.get("\(prefix)/v2/account") { request, _ in
            await simulator.serve(dialect, request) { caller, settings in
                let holdings = simulator.portfolios.holdings(simulator.portfolio(caller.token, settings, .us))
                return BrokerResponse.json(.ok, AlpacaBody.account(token: caller.token, holdings: holdings))
            }
        }
        router.get("\(prefix)/v2/positions") { request, _ in
            await simulator.serve(dialect, request) { caller, settings in
                let holdings = simulator.portfolios.holdings(simulator.portfolio(caller.token, settings, .us))
                return BrokerResponse.json(.ok, AlpacaBody.positions(holdings, shapes: AlpacaShapes(key: caller.token)))
            }
        }
        router.get("\(prefix)/v2/account/activities") { request, _ in
            await activities(request, pathType: nil, dialect: dialect)
        }
        router.get("\(prefix)/v2/account/activities/{type}") { request, context in
            await activities(request, pathType: context.parameters.get("type") ?? "", dialect: dialect)
        }
    }

    private func activities(_ request: Request, pathType: String?, dialect: AlpacaDialect) async -> Response {
        var parameters: [String: String] = [:]
        for (name, value) in request.uri.queryParameters where parameters[String(name)] == nil {
            parameters[String(name)] = String(value)
        }
        let query = AlpacaActivities.query(parameters, pathType: pathType)
        let simulator = simulator
        return await simulator.serve(dialect, request) { caller, settings in
            switch query {
            case .failure(let failure):
                return dialect.response(for: failure)
            case .success(let query):
                let entries = AlpacaExpected.entries(simulator, key: caller.token, day: settings.day, count: settings.holdingsPerAccount)
                return BrokerResponse.json(.ok, AlpacaActivities.body(AlpacaActivities.page(entries, query), token: caller.token))
            }
        }
    }
}
