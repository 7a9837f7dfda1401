import Hummingbird
import SandboxData
import ServiceKit

/// The SANDBOX broker under `/sandbox/v1`: holdings, transactions since a cursor, profile.
struct SandboxRoutes {
    let simulator: BrokerSimulator
    private let dialect = SandboxDialect()

    func register(on router: Router<ServiceRequestContext>) {
        let simulator = simulator
        let dialect = dialect
        router.get("/sandbox/v1/holdings") { request, _ in
            await simulator.serve(dialect, request) { caller, settings in
                let holdings = simulator.portfolios.holdings(simulator.portfolio(caller.token, settings, .india))
                return BrokerResponse.json(.ok, SandboxBody.holdings(token: caller.token, holdings))
            }
        }
        router.get("/sandbox/v1/transactions") { request, _ in
            let since = request.uri.queryParameters["since"].map(String.init)
            return await simulator.serve(dialect, request) { caller, settings in
                var sinceDay: Int?
                if let since, !since.isEmpty {
                    guard let day = SandboxBody.cursorDay(since) else {
                        return SandboxDialect.error(.badRequest, code: "invalid_cursor", "since must be a cursor such as day-3")
                    }
                    sinceDay = day
                }
                let caughtUp = sinceDay.map { $0 >= settings.day } ?? false
                let trades = caughtUp ? [] : simulator.portfolios.trades(simulator.portfolio(caller.token, settings, .india))
                return BrokerResponse.json(.ok, SandboxBody.transactions(trades, day: settings.day))
            }
        }
        router.get("/sandbox/v1/profile") { request, _ in
            await simulator.serve(dialect, request) { caller, _ in BrokerResponse.json(.ok, SandboxBody.profile(token: caller.token)) }
        }
    }
}
