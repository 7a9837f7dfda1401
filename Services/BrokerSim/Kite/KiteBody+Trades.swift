import NIOCore
import SandboxData

extension KiteBody {
    /// `GET /trades`: the day's fills, timestamps in IST on the simulated date.
    static func trades(_ trades: [SimulatedPortfolio.Trade], holdings: [PricedPosition], day: Int) -> ByteBuffer {
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
        json.endArray()
        json.endObject()
        return json.buffer
    }

    /// `GET /mf/holdings`: simulated accounts hold no mutual funds.
    static let mutualFunds: StaticString = #"{"status":"success","data":[]}"#

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
        json.field("public_token", "public-" + String(accessToken.dropFirst(5).prefix(16)))
        json.field("enctoken", "enc-" + String(accessToken.dropFirst(5)))
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
