import NIOCore
import SandboxData

extension KiteBody {
    /// `GET /trades`: the day's fills, timestamps in IST on the simulated date; with `fno`, one fill per contract
    /// (a trade carries no multiplier: trades.json's USDINR fill has `quantity: 1`, in lots).
    static func trades(_ trades: [SimulatedPortfolio.Trade], holdings: [PricedPosition], day: Int, shapes: KiteShapes) -> ByteBuffer {
        let tokens = Dictionary(holdings.map { ($0.position.symbol, $0.position.instrumentToken) }, uniquingKeysWith: { first, _ in first })
        let open = SimulatedCalendar.midnightUTC(day: day) + SimulatedCalendar.indianOpenUTC
        var json = JSONWriter(capacity: 64 + trades.count * 400)
        json.beginObject()
        json.field("status", "success")
        json.key("data")
        json.beginArray()
        for trade in trades {
            let time = open + trade.secondsIntoSession
            let timestamp = SimulatedCalendar.localTimestamp(time, offset: SimulatedCalendar.istOffset)
            json.beginObject()
            json.field("trade_id", trade.tradeID)
            json.field("order_id", trade.orderID)
            json.field("exchange", trade.exchange)
            json.field("tradingsymbol", trade.symbol)
            json.field("instrument_token", integer: tokens[trade.symbol] ?? 0)
            json.field("product", "CNC")
            json.field("average_price", number: trade.price)
            json.field("quantity", number: trade.quantity)
            json.field("exchange_order_id", "1" + trade.orderID)
            json.field("transaction_type", trade.side)
            json.field("fill_timestamp", timestamp)
            json.field("order_timestamp", SimulatedCalendar.clockTime(time, offset: SimulatedCalendar.istOffset))
            json.field("exchange_timestamp", timestamp)
            json.endObject()
        }
        if shapes.derivatives {
            for (index, contract) in KiteShapes.contracts.enumerated() {
                // MCX trades until 23:30 IST: the last fill lands at 23:10 IST, 17:40 UTC the same day.
                let time = SimulatedCalendar.midnightUTC(day: day) + 17 * 3600 + 40 * 60 - index * 3600
                let timestamp = SimulatedCalendar.localTimestamp(time, offset: SimulatedCalendar.istOffset)
                json.beginObject()
                json.field("trade_id", "9\(day)\(index)000001")
                json.field("order_id", "9\(day)\(index)000000001")
                json.field("exchange", contract.exchange)
                json.field("tradingsymbol", contract.symbol)
                json.field("instrument_token", integer: 53_000_000 + contract.multiplier + contract.symbol.utf8.count)
                json.field("product", "NRML")
                json.field("average_price", numberText: contract.price)
                json.field("quantity", integer: abs(contract.quantity))
                json.field("exchange_order_id", "19\(day)\(index)000000001")
                json.field("transaction_type", contract.quantity > 0 ? "BUY" : "SELL")
                json.field("fill_timestamp", timestamp)
                json.field("order_timestamp", SimulatedCalendar.clockTime(time, offset: SimulatedCalendar.istOffset))
                json.field("exchange_timestamp", timestamp)
                json.endObject()
            }
        }
        json.endArray()
        json.endObject()
        return json.buffer
    }

    /// `GET /mf/holdings`: mf_holdings.json's shape; empty unless the token has `mf`.
    static func mutualFunds(token: String, shapes: KiteShapes) -> ByteBuffer {
        var json = JSONWriter(capacity: 128 + 320 * 3)
        json.beginObject()
        json.field("status", "success")
        json.key("data")
        json.beginArray()
        if shapes.mutualFunds {
            for (index, fund) in KiteShapes.funds(token: token).enumerated() {
                json.beginObject()
                json.field("folio", "31082\(index)0884")
                json.field("average_price", numberText: fund.averagePrice)
                json.field("last_price", numberText: fund.lastPrice)
                json.field("last_price_date", "")
                json.field("pledged_quantity", raw: "0")
                json.field("fund", fund.name)
                json.field("tradingsymbol", fund.isin)
                json.field("pnl", raw: "0")
                json.field("quantity", numberText: fund.quantity)
                json.endObject()
            }
        }
        json.endArray()
        json.endObject()
        return json.buffer
    }

    /// `GET /user/profile`.
    static func profile(token: String) -> ByteBuffer {
        var json = JSONWriter(capacity: 512)
        json.beginObject()
        json.field("status", "success")
        json.key("data")
        json.beginObject()
        writeUser(AccountIdentity(token: token), into: &json)
        json.endObject()
        json.endObject()
        return json.buffer
    }

    /// `POST /session/token`: the session of a successful login, its access token derived from the request token.
    static func session(apiKey: String, accessToken: String) -> ByteBuffer {
        var json = JSONWriter(capacity: 768)
        json.beginObject()
        json.field("status", "success")
        json.key("data")
        json.beginObject()
        writeUser(AccountIdentity(token: accessToken), into: &json)
        json.field("api_key", apiKey)
        json.field("access_token", accessToken)
        let secret = accessToken.split(separator: "-").last.map(String.init) ?? accessToken
        json.field("public_token", "public-" + String(secret.prefix(16)))
        json.field("enctoken", "enc-" + secret)
        json.field("refresh_token", "")
        json.field("silo", "")
        json.field("login_time", SimulatedCalendar.localTimestamp(SimulatedCalendar.nowSeconds(), offset: SimulatedCalendar.istOffset))
        json.endObject()
        json.endObject()
        return json.buffer
    }

    private static func writeUser(_ identity: AccountIdentity, into json: inout JSONWriter) {
        json.field("user_id", identity.userID)
        json.field("user_type", "individual")
        json.field("email", identity.email)
        json.field("user_name", identity.name)
        json.field("user_shortname", identity.shortName)
        json.field("broker", "ZERODHA")
        json.field("exchanges", raw: #"["NSE","NFO","BFO","CDS","BSE","MCX","BCD","MF"]"#)
        json.field("products", raw: #"["CNC","NRML","MIS","BO","CO"]"#)
        json.field("order_types", raw: #"["MARKET","LIMIT","SL","SL-M"]"#)
        json.field("avatar_url", raw: "null")
        json.field("meta", raw: #"{"demat_consent":"physical"}"#)
    }
}
