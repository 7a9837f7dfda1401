import Hummingbird
import SandboxData
import ServiceKit

/// Alpaca's Trading API under `/v2`: account, positions and account activities.
struct AlpacaRoutes {
    let simulator: BrokerSimulator
    private let dialect = AlpacaDialect()

    func register(on router: Router<ServiceRequestContext>) {
        let simulator = simulator
        let dialect = dialect
        router.get("/v2/account") { request, _ in
            await simulator.serve(dialect, request) { caller, settings in
                let holdings = simulator.portfolios.holdings(simulator.portfolio(caller.token, settings, .us))
                return BrokerResponse.json(.ok, AlpacaBody.account(token: caller.token, holdings: holdings))
            }
        }
        router.get("/v2/positions") { request, _ in
            await simulator.serve(dialect, request) { caller, settings in
                BrokerResponse.json(.ok, AlpacaBody.positions(simulator.portfolios.holdings(simulator.portfolio(caller.token, settings, .us))))
            }
        }
        router.get("/v2/account/activities") { request, _ in
            await activities(request, pathType: nil)
        }
        router.get("/v2/account/activities/{type}") { request, context in
            await activities(request, pathType: context.parameters.get("type") ?? "")
        }
    }

    private func activities(_ request: Request, pathType: String?) async -> Response {
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
                let trades = simulator.portfolios.trades(simulator.portfolio(caller.token, settings, .us))
                let fills = AlpacaActivities.fills(token: caller.token, trades: trades, day: settings.day)
                return BrokerResponse.json(.ok, AlpacaActivities.body(AlpacaActivities.page(fills, query), token: caller.token))
            }
        }
    }
}
