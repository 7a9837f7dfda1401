import Hummingbird
import NIOCore
import SandboxData
import ServiceKit

/// Upstox API v2: long-term holdings and the user profile.
struct UpstoxRoutes {
    let simulator: BrokerSimulator
    private let dialect = UpstoxDialect()

    func register(on router: Router<ServiceRequestContext>) {
        let simulator = simulator
        let dialect = dialect
        router.get("/v2/portfolio/long-term-holdings") { request, _ in
            await simulator.serve(dialect, request) { caller, settings in
                BrokerResponse.json(.ok, Self.holdings(simulator.portfolios.holdings(simulator.portfolio(caller.token, settings, .india))))
            }
        }
        router.get("/v2/user/profile") { request, _ in
            await simulator.serve(dialect, request) { caller, _ in BrokerResponse.json(.ok, Self.profile(token: caller.token)) }
        }
    }

    /// `{"status":"success","data":[holding…]}`.
    static func holdings(_ positions: [PricedPosition]) -> ByteBuffer {
        var json = JSONWriter(capacity: 64 + positions.count * 560)
        json.beginObject()
        json.field("status", "success")
        json.key("data")
        json.beginArray()
        for priced in positions {
            let position = priced.position
            json.beginObject()
            json.field("isin", position.isin)
            json.field("cnc_used_quantity", raw: "0")
            json.field("collateral_type", "WC")
            json.field("company_name", position.symbol + " LIMITED")
            json.field("haircut", raw: "0.2")
            json.field("product", "D")
            json.field("quantity", numberText: priced.quantityText)
            json.field("tradingsymbol", position.symbol)
            json.field("trading_symbol", position.symbol)
            json.field("last_price", numberText: priced.lastPriceText)
            json.field("close_price", numberText: priced.closePriceText)
            json.field("pnl", numberText: priced.pnl.text)
            json.field("day_change", numberText: priced.dayChange.text)
            json.field("day_change_percentage", numberText: priced.dayChangePercentageText)
            json.field("instrument_token", position.exchange + "_EQ|" + position.isin)
            json.field("average_price", numberText: priced.averagePriceText)
            json.field("collateral_quantity", raw: "0")
            json.field("collateral_update_quantity", raw: "0")
            json.field("t1_quantity", raw: "0")
            json.field("exchange", position.exchange)
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return json.buffer
    }

    /// `{"status":"success","data":{user…}}`.
    static func profile(token: String) -> ByteBuffer {
        let identity = AccountIdentity(token: token)
        var json = JSONWriter(capacity: 400)
        json.beginObject()
        json.field("status", "success")
        json.key("data")
        json.beginObject()
        json.field("email", identity.email)
        json.field("exchanges", raw: #"["NSE","BSE","NFO","MCX","CDS","BFO"]"#)
        json.field("products", raw: #"["D","CO","I","MTF"]"#)
        json.field("broker", "UPSTOX")
        json.field("user_id", identity.userID)
        json.field("user_name", identity.name)
        json.field("order_types", raw: #"["MARKET","LIMIT","SL","SL-M"]"#)
        json.field("user_type", "individual")
        json.field("poa", bool: false)
        json.field("ddpi", bool: true)
        json.field("is_active", bool: true)
        json.endObject()
        json.endObject()
        return json.buffer
    }
}
