import Contracts
import FoundationEssentials
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceKit

/// The simulator's own API under `/sim/`: settings, fault injection, traffic counts and expected data.
///
/// When an admin token is configured every route needs it; otherwise they are open. These are
/// psync's routes, so their errors use psync's envelope.
struct ControlRoutes {
    let simulator: BrokerSimulator
    /// Whether a `PSYNC_ADMIN_TOKEN` is configured.
    let requiresAdmin: Bool

    func register(on router: Router<ServiceRequestContext>) {
        let simulator = simulator
        let requiresAdmin = requiresAdmin
        let guarded = { @Sendable (context: ServiceRequestContext) throws in
            if requiresAdmin { try context.authorize([.admin]) }
        }
        router.get("/sim/config") { _, context in
            try guarded(context)
            return try Self.json(simulator.settings)
        }
        router.put("/sim/config") { request, context in
            try guarded(context)
            let patch = try await Self.decode(SimulatorSettingsPatch.self, request, context)
            switch simulator.update(patch) {
            case .success(let settings): return try Self.json(settings)
            case .failure(let problem): throw APIError.badRequest(problem.message)
            }
        }
        router.post("/sim/faults") { request, context in
            try guarded(context)
            let body = try await Self.decode(FaultRequest.self, request, context)
            guard !body.token.isEmpty else { throw APIError.badRequest("token must not be empty") }
            var faults: [Fault] = []
            for name in body.responses {
                guard let fault = Fault(name) else {
                    throw APIError.badRequest("responses has '\(name.prefix(40))'; each must be \(Fault.names)")
                }
                faults.append(fault)
            }
            let queued = simulator.faults.enqueue(faults, for: body.token)
            return try Self.json(FaultReceipt(token: body.token, queued: queued))
        }
        router.delete("/sim/faults") { _, context in
            try guarded(context)
            return try Self.json(FaultsCleared(cleared: simulator.faults.clear()))
        }
        router.get("/sim/stats") { _, context in
            try guarded(context)
            return try Self.json(simulator.stats.report())
        }
        router.post("/sim/stats/reset") { _, context in
            try guarded(context)
            simulator.stats.reset()
            return try Self.json(simulator.stats.report())
        }
        router.get("/sim/expected") { request, context in
            try guarded(context)
            let parameters = request.uri.queryParameters
            let settings = simulator.settings
            let formatName = parameters["format"].map(String.init) ?? "sandbox"
            guard let broker = Broker(rawValue: formatName) else {
                throw APIError.badRequest("format must be kite, alpaca, upstox, sandbox or dhan, got '\(formatName.prefix(40))'")
            }
            guard let token = parameters["token"].map(String.init), !token.isEmpty else { throw APIError.badRequest("token is required") }
            var day = settings.day
            if let text = parameters["day"] {
                guard let value = Int(text), SimulatorSettings.dayRange.contains(value) else {
                    throw APIError.badRequest("day must be a whole number 0-100000, got '\(text.prefix(40))'")
                }
                day = value
            }
            let key = PortfolioCache.Key(token: token, day: day, count: settings.holdingsPerAccount, market: broker.market)
            let holdings = simulator.portfolios.holdings(key)
            switch (broker, parameters["what"].map(String.init) ?? "holdings") {
            case (.kite, "holdings"): return try Self.json(KiteExpected.holdings(holdings, token: token))
            case (.dhan, "holdings"): return try Self.json(DhanBody.expectedHoldings(holdings, token: token))
            case (.alpaca, "holdings"): return try Self.json(AlpacaExpected.holdings(holdings, key: token))
            case (.alpaca, "transactions"):
                return try Self.json(AlpacaExpected.transactions(simulator, key: token, day: day, count: settings.holdingsPerAccount))
            case (.upstox, "holdings"): return try Self.json(UpstoxExpected.holdings(holdings, token: token))
            case (.upstox, "positions"):
                return try Self.json(UpstoxExpected.positions(simulator.portfolios.trades(key), holdings: holdings, token: token))
            case (.upstox, "transactions"):
                let history = UpstoxHistory.trades(token: token, day: day, holdings: holdings)
                return try Self.json(UpstoxExpected.transactions(history, today: simulator.portfolios.trades(key), day: day))
            case (.kite, "positions"):
                return try Self.json(KiteExpected.positions(simulator.portfolios.trades(key), holdings: holdings, token: token))
            case (_, "holdings"): return try Self.json(holdings.map(ExpectedPosition.init))
            case (_, let what):
                throw APIError.badRequest(
                    "what must be holdings (or positions for format=kite or upstox, transactions for alpaca or upstox), got '\(what.prefix(40))'")
            }
        }
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ request: Request, _ context: ServiceRequestContext) async throws -> T {
        let body = try await request.body.collect(upTo: 1 << 20)
        guard body.readableBytes > 0 else { throw APIError.badRequest("the request needs a JSON body") }
        return try JSONCoding.decode(type, from: Array(body.readableBytesView))
    }

    private static func json(_ value: some Encodable) throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: try JSONCoding.encode(value))))
    }
}
