import Hummingbird
import SandboxData
import ServiceKit

/// Dhan API v2 under `/dhan/v2`: holdings, positions and the profile. Point `PSYNC_DHAN_BASE_URL` at `<brokersim>/dhan`.
struct DhanRoutes {
    let simulator: BrokerSimulator
    private let dialect = DhanDialect()

    func register(on router: Router<ServiceRequestContext>) {
        let simulator = simulator
        let dialect = dialect
        router.get("/dhan/v2/holdings") { request, _ in
            await simulator.serve(dialect, request) { caller, settings in
                let holdings = simulator.portfolios.holdings(simulator.portfolio(caller.token, settings, .india))
                return BrokerResponse.json(.ok, DhanBody.holdings(holdings, shapes: DhanBody.Shapes(token: caller.token)))
            }
        }
        router.get("/dhan/v2/positions") { request, _ in
            await simulator.serve(dialect, request) { caller, settings in
                let key = simulator.portfolio(caller.token, settings, .india)
                let body = DhanBody.positions(
                    simulator.portfolios.trades(key), client: caller.rateKey, shapes: DhanBody.Shapes(token: caller.token))
                return BrokerResponse.json(.ok, body)
            }
        }
        router.get("/dhan/v2/profile") { request, _ in
            await simulator.serve(dialect, request) { caller, _ in
                var json = JSONWriter(capacity: 200)
                json.beginObject()
                json.field("dhanClientId", caller.rateKey)
                json.field("tokenValidity", "30/12/2026 15:30")
                json.field("activeSegment", "Equity, Derivative, Currency, Commodity")
                json.field("ddpi", "Active")
                json.endObject()
                return BrokerResponse.json(.ok, json.buffer)
            }
        }
    }
}
