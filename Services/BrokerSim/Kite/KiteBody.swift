import FoundationEssentials
import NIOCore
import SandboxData

/// Kite Connect bodies for holdings and positions, shaped like the official mocks.
enum KiteBody {
    /// `GET /portfolio/holdings`: `{"status":"success","data":[holding…]}`.
    static func holdings(_ positions: [PricedPosition], day: Int) -> ByteBuffer {
        let authorisedDate = SimulatedCalendar.date(epochDay: SimulatedCalendar.epochDayOfDayZero + day) + " 00:00:00"
        var json = JSONWriter(capacity: 160 + positions.count * 720)
        json.beginObject()
        json.field("status", "success")
        json.key("data")
        json.beginArray()
        for priced in positions {
            let position = priced.position
            json.beginObject()
            json.field("tradingsymbol", position.symbol)
            json.field("exchange", position.exchange)
            json.field("instrument_token", integer: position.instrumentToken)
            json.field("isin", position.isin)
            json.field("product", "CNC")
            json.field("price", raw: "0")
            json.field("quantity", numberText: priced.quantityText)
            json.field("used_quantity", raw: "0")
            json.field("t1_quantity", raw: "0")
            json.field("realised_quantity", numberText: priced.quantityText)
            json.field("authorised_quantity", raw: "0")
            json.field("authorised_date", authorisedDate)
            json.field("authorisation", raw: "{}")
            json.field("opening_quantity", numberText: priced.quantityText)
            json.field("short_quantity", raw: "0")
            json.field("collateral_quantity", raw: "0")
            json.field("collateral_type", "")
            json.field("discrepancy", bool: false)
            json.field("average_price", numberText: priced.averagePriceText)
            json.field("last_price", numberText: priced.lastPriceText)
            json.field("close_price", numberText: priced.closePriceText)
            json.field("pnl", numberText: priced.pnl.text)
            json.field("day_change", numberText: priced.dayChange.text)
            json.field("day_change_percentage", numberText: priced.dayChangePercentageText)
            json.field("mtf", raw: #"{"quantity":0,"used_quantity":0,"average_price":0,"value":0,"initial_margin":0}"#)
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return json.buffer
    }

    /// `GET /portfolio/positions`: `{"net":[…],"day":[…]}`, one CNC position per trade of the day.
    static func positions(_ trades: [SimulatedPortfolio.Trade], holdings: [PricedPosition]) -> ByteBuffer {
        let bySymbol = Dictionary(holdings.map { ($0.position.symbol, $0.position) }, uniquingKeysWith: { first, _ in first })
        var json = JSONWriter(capacity: 200 + trades.count * 1600)
        json.beginObject()
        json.field("status", "success")
        json.key("data")
        json.beginObject()
        for list in ["net", "day"] {
            json.key(list)
            json.beginArray()
            for trade in trades {
                guard let position = bySymbol[trade.symbol] else { continue }
                writePosition(trade, position, into: &json)
            }
            json.endArray()
        }
        json.endObject()
        json.endObject()
        return json.buffer
    }

    private static func writePosition(_ trade: SimulatedPortfolio.Trade, _ position: SimulatedPortfolio.Position, into json: inout JSONWriter) {
        let buying = trade.side == "BUY"
        let quantity = buying ? trade.quantity : -trade.quantity
        let tradeValue = trade.quantity * trade.price
        let value = buying ? -tradeValue : tradeValue
        let pnl = value + quantity * position.lastPrice
        json.beginObject()
        json.field("tradingsymbol", trade.symbol)
        json.field("exchange", trade.exchange)
        json.field("instrument_token", integer: position.instrumentToken)
        json.field("product", "CNC")
        json.field("quantity", number: quantity)
        json.field("overnight_quantity", raw: "0")
        json.field("multiplier", raw: "1")
        json.field("average_price", number: trade.price)
        json.field("close_price", number: position.closePrice)
        json.field("last_price", number: position.lastPrice)
        json.field("value", number: value)
        json.field("pnl", number: pnl)
        json.field("m2m", number: pnl)
        json.field("unrealised", number: pnl)
        json.field("realised", raw: "0")
        writeLeg("buy", active: buying, trade: trade, value: tradeValue, into: &json)
        json.field("buy_m2m", number: buying ? tradeValue : 0)
        writeLeg("sell", active: !buying, trade: trade, value: tradeValue, into: &json)
        json.field("sell_m2m", number: buying ? 0 : tradeValue)
        writeLeg("day_buy", active: buying, trade: trade, value: tradeValue, into: &json)
        writeLeg("day_sell", active: !buying, trade: trade, value: tradeValue, into: &json)
        json.endObject()
    }

    private static func writeLeg(_ prefix: String, active: Bool, trade: SimulatedPortfolio.Trade, value: Decimal, into json: inout JSONWriter) {
        json.key(prefix + "_quantity")
        json.number(active ? trade.quantity : 0)
        json.key(prefix + "_price")
        json.number(active ? trade.price : 0)
        json.key(prefix + "_value")
        json.number(active ? value : 0)
    }
}
