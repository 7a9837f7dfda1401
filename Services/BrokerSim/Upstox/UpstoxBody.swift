import ExactDecimal
import NIOCore
import SandboxData

/// Upstox API v2 bodies in the documented shapes (upstox.com/developer/api-documentation: get-holdings,
/// get-positions, get-historical-trades, get-trade-history, get-profile, get-token): `{"status":"success","data":…}`.
enum UpstoxBody {
    /// `GET /v2/portfolio/long-term-holdings`: `quantity` is the total, `t1_quantity` and `collateral_quantity` parts of it.
    static func holdings(_ positions: [PricedPosition], shapes: UpstoxShapes) -> ByteBuffer {
        var json = JSONWriter(capacity: 64 + positions.count * 560)
        json.beginObject()
        json.field("status", "success")
        json.key("data")
        json.beginArray()
        for (index, priced) in positions.enumerated() {
            let position = priced.position
            let split = shapes.split(index, quantity: Int(priced.quantity.value / Micros.scale))
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
            json.field("collateral_quantity", integer: split.pledged)
            json.field("collateral_update_quantity", raw: "0")
            json.field("t1_quantity", integer: split.unsettled)
            json.field("exchange", position.exchange)
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return json.buffer
    }

    /// `GET /v2/portfolio/short-term-positions`: one delivery position per trade of the day, and with `fno` the contracts.
    static func positions(_ trades: [SimulatedPortfolio.Trade], holdings: [PricedPosition], shapes: UpstoxShapes) -> ByteBuffer {
        let last = Dictionary(holdings.map { ($0.position.symbol, $0.lastPriceText) }, uniquingKeysWith: { first, _ in first })
        var json = JSONWriter(capacity: 64 + trades.count * 900)
        json.beginObject()
        json.field("status", "success")
        json.key("data")
        json.beginArray()
        for trade in trades {
            guard let lastPrice = last[trade.symbol] else { continue }
            let lots = Int((Micros(text: trade.quantity.exactText) ?? .zero).value / Micros.scale)
            write(
                symbol: trade.symbol, exchange: trade.exchange, key: trade.exchange + "_EQ|" + trade.isin, product: "D",
                net: trade.side == "BUY" ? lots : -lots, price: trade.price.exactText, last: lastPrice, multiplier: 1, nullAverage: false,
                into: &json)
        }
        if shapes.derivatives {
            for contract in UpstoxShapes.contracts {
                write(
                    symbol: contract.symbol, exchange: contract.exchange, key: contract.key, product: "D", net: contract.lots,
                    price: contract.price, last: contract.price, multiplier: contract.multiplier, nullAverage: contract.nullAverage,
                    into: &json)
            }
        }
        json.endArray()
        json.endObject()
        return json.buffer
    }

    private static func write(
        symbol: String, exchange: String, key: String, product: String, net: Int, price: String, last: String, multiplier: Int,
        nullAverage: Bool, into json: inout JSONWriter
    ) {
        let lots = String(abs(net))
        let value = (Micros(text: price) ?? .zero) * Micros(value: Int128(abs(net) * multiplier) * Micros.scale)
        json.beginObject()
        json.field("exchange", exchange)
        json.field("multiplier", numberText: String(multiplier) + ".0")
        json.field("value", numberText: value.text)
        json.field("pnl", raw: "0.0")
        json.field("product", product)
        json.field("instrument_token", key)
        if nullAverage { json.field("average_price", raw: "null") } else { json.field("average_price", numberText: price) }
        json.field("buy_value", numberText: net > 0 ? value.text : "0.0")
        json.field("overnight_quantity", raw: "0")
        json.field("day_buy_value", numberText: net > 0 ? value.text : "0.0")
        json.field("day_buy_price", numberText: net > 0 ? price : "0.0")
        json.field("overnight_buy_amount", raw: "0.0")
        json.field("overnight_buy_quantity", raw: "0")
        json.field("day_buy_quantity", numberText: net > 0 ? lots : "0")
        json.field("day_sell_value", numberText: net > 0 ? "0.0" : value.text)
        json.field("day_sell_price", numberText: net > 0 ? "0.0" : price)
        json.field("overnight_sell_amount", raw: "0.0")
        json.field("overnight_sell_quantity", raw: "0")
        json.field("day_sell_quantity", numberText: net > 0 ? "0" : lots)
        json.field("quantity", integer: net)
        json.field("last_price", numberText: last)
        json.field("unrealised", raw: "0.0")
        json.field("realised", raw: "0.0")
        json.field("sell_value", numberText: net > 0 ? "0.0" : value.text)
        json.field("trading_symbol", symbol)
        json.field("tradingsymbol", symbol)
        json.field("close_price", numberText: last)
        json.field("buy_price", numberText: net > 0 ? price : "0.0")
        json.field("sell_price", numberText: net > 0 ? "0.0" : price)
        json.endObject()
    }

    /// One page of `GET /v2/charges/historical-trades`, with `meta_data.page`.
    static func historyPage(_ trades: ArraySlice<UpstoxHistory.Trade>, page: Int, size: Int, total: Int) -> ByteBuffer {
        var json = JSONWriter(capacity: 160 + trades.count * 420)
        json.beginObject()
        json.field("status", "success")
        json.key("data")
        json.beginArray()
        for trade in trades {
            json.beginObject()
            json.field("exchange", trade.exchange)
            json.field("segment", "EQ")
            json.field("option_type", "")
            json.field("quantity", integer: trade.quantity)
            json.field("amount", numberText: trade.amount.text)
            json.field("trade_id", trade.tradeID)
            json.field("trade_date", SimulatedCalendar.date(epochDay: SimulatedCalendar.epochDayOfDayZero + trade.day))
            json.field("transaction_type", trade.side)
            json.field("scrip_name", trade.symbol)
            json.field("strike_price", "0.0")
            json.field("expiry", "")
            json.field("price", numberText: trade.price.text)
            json.field("isin", trade.isin)
            json.field("symbol", trade.symbol)
            json.field("instrument_token", trade.exchange + "_EQ|" + trade.isin)
            json.endObject()
        }
        json.endArray()
        json.field("errors", raw: "null")
        json.key("meta_data")
        json.beginObject()
        json.key("page")
        json.beginObject()
        json.field("page_number", integer: page)
        json.field("page_size", integer: size)
        json.field("total_records", integer: total)
        json.field("total_pages", integer: (total + size - 1) / size)
        json.endObject()
        json.endObject()
        json.endObject()
        return json.buffer
    }

    /// `GET /v2/order/trades/get-trades-for-day`: times like `03-Aug-2017 15:03:42` in IST.
    static func dayTrades(_ trades: [SimulatedPortfolio.Trade], day: Int) -> ByteBuffer {
        let open = SimulatedCalendar.midnightUTC(day: day) + SimulatedCalendar.indianOpenUTC
        var json = JSONWriter(capacity: 64 + trades.count * 480)
        json.beginObject()
        json.field("status", "success")
        json.key("data")
        json.beginArray()
        for trade in trades {
            let time = open + trade.secondsIntoSession
            json.beginObject()
            json.field("exchange", trade.exchange)
            json.field("product", "D")
            json.field("trading_symbol", trade.symbol)
            json.field("tradingsymbol", trade.symbol)
            json.field("instrument_token", trade.exchange + "_EQ|" + trade.isin)
            json.field("order_type", "MARKET")
            json.field("transaction_type", trade.side)
            json.field("quantity", number: trade.quantity)
            json.field("exchange_order_id", "1" + trade.orderID)
            json.field("order_id", trade.orderID)
            json.field("exchange_timestamp", timestamp(time))
            json.field("average_price", number: trade.price)
            json.field("trade_id", trade.tradeID)
            json.field("order_ref_id", "udapi-" + trade.orderID)
            json.field("order_timestamp", timestamp(time - 1))
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return json.buffer
    }

    /// `dd-Mon-yyyy hh:mm:ss` in IST for Unix time `seconds`.
    static func timestamp(_ seconds: Int) -> String {
        let text = SimulatedCalendar.localTimestamp(seconds, offset: SimulatedCalendar.istOffset)
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let date = text.prefix(10).split(separator: "-")
        return "\(date[2])-\(months[Int(date[1])! - 1])-\(date[0]) " + text.dropFirst(11)
    }

    /// `GET /v2/user/profile` for the user the token belongs to.
    static func profile(token: String) -> ByteBuffer {
        var json = JSONWriter(capacity: 400)
        json.beginObject()
        json.field("status", "success")
        json.key("data")
        json.beginObject()
        writeUser(token: token, into: &json)
        json.endObject()
        json.endObject()
        return json.buffer
    }

    /// `POST /v2/login/authorization/token`: the profile and the token at the top level (no envelope).
    static func token(_ accessToken: String) -> ByteBuffer {
        var json = JSONWriter(capacity: 600)
        json.beginObject()
        writeUser(token: accessToken, into: &json)
        json.field("access_token", accessToken)
        json.field("extended_token", raw: "null")
        json.endObject()
        return json.buffer
    }

    private static func writeUser(token: String, into json: inout JSONWriter) {
        let identity = AccountIdentity(token: token)
        json.field("email", identity.email)
        json.field("exchanges", raw: #"["NSE","BSE","NFO","MCX","CDS","BFO"]"#)
        json.field("products", raw: #"["D","CO","I","MTF"]"#)
        json.field("broker", "UPSTOX")
        json.field("user_id", UpstoxShapes.user(of: token))
        json.field("user_name", identity.name)
        json.field("order_types", raw: #"["MARKET","LIMIT","SL","SL-M"]"#)
        json.field("user_type", "individual")
        json.field("poa", bool: false)
        json.field("ddpi", bool: true)
        json.field("is_active", bool: true)
    }
}
