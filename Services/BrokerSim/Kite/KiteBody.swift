import FoundationEssentials
import NIOCore
import SandboxData

/// Kite Connect bodies for holdings and positions, shaped like the official mocks.
enum KiteBody {
    /// `GET /portfolio/holdings`: `{"status":"success","data":[holding…]}`, split and lotted as `shapes` says.
    static func holdings(_ positions: [PricedPosition], day: Int, shapes: KiteShapes) -> ByteBuffer {
        let authorisedDate = SimulatedCalendar.date(epochDay: SimulatedCalendar.epochDayOfDayZero + day) + " 00:00:00"
        var json = JSONWriter(capacity: 160 + positions.count * 720)
        json.beginObject()
        json.field("status", "success")
        json.key("data")
        json.beginArray()
        for (index, priced) in positions.enumerated() {
            let position = priced.position
            let held = Int(priced.quantity.value / Micros.scale)
            let split = shapes.split(index, quantity: held)
            let lot = shapes.marginLot(index, averagePrice: priced.averagePrice)
            json.beginObject()
            json.field("tradingsymbol", position.symbol)
            json.field("exchange", position.exchange)
            json.field("instrument_token", integer: position.instrumentToken)
            json.field("isin", position.isin)
            json.field("product", "CNC")
            json.field("price", raw: "0")
            json.field("quantity", integer: split.free)
            json.field("used_quantity", raw: "0")
            json.field("t1_quantity", integer: split.unsettled)
            json.field("realised_quantity", integer: split.free + split.pledged)
            json.field("authorised_quantity", raw: "0")
            json.field("authorised_date", authorisedDate)
            json.field("authorisation", raw: "{}")
            json.field("opening_quantity", integer: split.free + split.pledged)
            json.field("short_quantity", raw: "0")
            json.field("collateral_quantity", integer: split.pledged)
            json.field("collateral_type", split.pledged > 0 ? "margin" : "")
            json.field("discrepancy", bool: false)
            json.field("average_price", numberText: priced.averagePriceText)
            json.field("last_price", numberText: priced.lastPriceText)
            json.field("close_price", numberText: priced.closePriceText)
            json.field("pnl", numberText: (priced.pnl + shapes.pnlSkew(index)).text)
            json.field("day_change", numberText: priced.dayChange.text)
            json.field("day_change_percentage", numberText: priced.dayChangePercentageText)
            if let lot {
                let value = lot.averagePrice * Micros(value: Int128(lot.quantity) * Micros.scale)
                json.key("mtf")
                json.beginObject()
                json.field("quantity", integer: lot.quantity)
                json.field("used_quantity", raw: "0")
                json.field("average_price", numberText: lot.averagePrice.text)
                json.field("value", numberText: value.text)
                json.field("initial_margin", numberText: Micros(value: value.value / 2).text)
                json.endObject()
            } else {
                json.field("mtf", raw: #"{"quantity":0,"used_quantity":0,"average_price":0,"value":0,"initial_margin":0}"#)
            }
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return json.buffer
    }

    /// `GET /portfolio/positions`: `{"net":[…],"day":[…]}`, one CNC position per trade of the day, and with `fno` the
    /// commodity and currency contracts (quantity in lots, `multiplier` units per lot).
    static func positions(_ trades: [SimulatedPortfolio.Trade], holdings: [PricedPosition], shapes: KiteShapes) -> ByteBuffer {
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
            if shapes.derivatives {
                for contract in KiteShapes.contracts { writeContract(contract, into: &json) }
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

    /// A futures position as positions.json shows LEADMINI: values are quantity × price × multiplier.
    private static func writeContract(
        _ contract: (symbol: String, exchange: String, quantity: Int, price: String, multiplier: Int), into json: inout JSONWriter
    ) {
        let price = Micros(text: contract.price) ?? .zero
        let units = Micros(value: Int128(contract.quantity * contract.multiplier) * Micros.scale)
        let value = price * units
        let buying = contract.quantity > 0
        json.beginObject()
        json.field("tradingsymbol", contract.symbol)
        json.field("exchange", contract.exchange)
        json.field("instrument_token", integer: 53_000_000 + contract.multiplier + contract.symbol.utf8.count)
        json.field("product", "NRML")
        json.field("quantity", integer: contract.quantity)
        json.field("overnight_quantity", raw: "0")
        json.field("multiplier", integer: contract.multiplier)
        json.field("average_price", numberText: contract.price)
        json.field("close_price", raw: "0")
        json.field("last_price", numberText: contract.price)
        json.field("value", numberText: (-value).text)
        for name: StaticString in ["pnl", "m2m", "unrealised", "realised"] { json.field(name, raw: "0") }
        let lots = String(abs(contract.quantity))
        let legValue = value.value < 0 ? (-value).text : value.text
        for (prefix, active) in [("buy", buying), ("sell", !buying), ("day_buy", buying), ("day_sell", !buying)] {
            json.key(prefix + "_quantity")
            json.raw(active ? lots : "0")
            json.key(prefix + "_price")
            json.raw(active ? contract.price : "0")
            json.key(prefix + "_value")
            json.raw(active ? legValue : "0")
        }
        json.field("buy_m2m", numberText: buying ? legValue : "0")
        json.field("sell_m2m", numberText: buying ? "0" : legValue)
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
