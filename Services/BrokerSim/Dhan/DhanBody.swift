import ExactDecimal
import FoundationEssentials
import NIOCore
import SandboxData

/// Dhan's bodies (dhanhq.co/docs/v2/portfolio): bare JSON arrays, camelCase keys, no last price on holdings.
enum DhanBody {
    /// Per token, by leading words like Kite's: `t1` (every fourth holding partly unsettled), `pledged` (every third half
    /// pledged), `fno` (a commodity future in lots, multiplier 100, in positions). `totalQty` always includes both.
    struct Shapes: Sendable {
        var unsettled = false
        var pledged = false
        var derivatives = false

        init(token: String) {
            for word in token.split(separator: "-") {
                switch word {
                case "t1": unsettled = true
                case "pledged": pledged = true
                case "fno": derivatives = true
                default: return
                }
            }
        }

        /// Unsettled and pledged shares of holding `index` of `quantity`.
        func split(_ index: Int, quantity: Int) -> (unsettled: Int, pledged: Int) {
            let unsettled = self.unsettled && index % 4 == 2 ? (quantity + 3) / 4 : 0
            let pledged = self.pledged && index % 3 == 1 ? (quantity - unsettled) / 2 : 0
            return (unsettled, pledged)
        }
    }

    /// The commodity contract `fno` adds: symbol, segment, lots, price, multiplier.
    static let contract = (symbol: "CRUDEOIL-19Jan2026-FUT", segment: "MCX_COMM", lots: 3, price: "6120.5", multiplier: 100)

    /// `GET /v2/holdings`.
    static func holdings(_ positions: [PricedPosition], shapes: Shapes) -> ByteBuffer {
        var json = JSONWriter(capacity: 64 + positions.count * 260)
        json.beginArray()
        for (index, priced) in positions.enumerated() {
            let quantity = Int(priced.quantity.value / Micros.scale)
            let split = shapes.split(index, quantity: quantity)
            json.beginObject()
            json.field("exchange", priced.position.exchange)
            json.field("tradingSymbol", priced.position.symbol)
            json.field("securityId", String(priced.position.instrumentToken))
            json.field("isin", priced.position.isin)
            json.field("totalQty", integer: quantity)
            json.field("dpQty", integer: quantity - split.unsettled)
            json.field("t1Qty", integer: split.unsettled)
            json.field("availableQty", integer: quantity - split.unsettled - split.pledged)
            json.field("collateralQty", integer: split.pledged)
            json.field("avgCostPrice", numberText: priced.averagePriceText)
            json.endObject()
        }
        json.endArray()
        return json.buffer
    }

    /// `GET /v2/positions`: one CNC position per trade of the day, and with `fno` a commodity future.
    static func positions(_ trades: [SimulatedPortfolio.Trade], client: String, shapes: Shapes) -> ByteBuffer {
        var json = JSONWriter(capacity: 64 + trades.count * 700)
        json.beginArray()
        for trade in trades {
            let buying = trade.side == "BUY"
            let quantity = Int((Micros(text: trade.quantity.exactText) ?? .zero).value / Micros.scale)
            write(
                client: client, symbol: trade.symbol, segment: trade.exchange + "_EQ", product: "CNC", net: buying ? quantity : -quantity,
                price: trade.price.exactText, multiplier: 1, into: &json)
        }
        if shapes.derivatives {
            write(
                client: client, symbol: contract.symbol, segment: contract.segment, product: "MARGIN", net: contract.lots,
                price: contract.price, multiplier: contract.multiplier, into: &json)
        }
        json.endArray()
        return json.buffer
    }

    private static func write(
        client: String, symbol: String, segment: String, product: String, net: Int, price: String, multiplier: Int, into json: inout JSONWriter
    ) {
        let lots = String(abs(net))
        json.beginObject()
        json.field("dhanClientId", client)
        json.field("tradingSymbol", symbol)
        json.field("securityId", String(symbol.utf8.count * 7))
        json.field("positionType", net > 0 ? "LONG" : "SHORT")
        json.field("exchangeSegment", segment)
        json.field("productType", product)
        json.field("buyAvg", numberText: net > 0 ? price : "0")
        json.field("costPrice", numberText: price)
        json.field("buyQty", numberText: net > 0 ? lots : "0")
        json.field("sellAvg", numberText: net > 0 ? "0" : price)
        json.field("sellQty", numberText: net > 0 ? "0" : lots)
        json.field("netQty", integer: net)
        json.field("realizedProfit", raw: "0.0")
        json.field("unrealizedProfit", raw: "0.0")
        json.field("rbiReferenceRate", raw: "1.0")
        json.field("multiplier", integer: multiplier)
        json.field("carryForwardBuyQty", raw: "0")
        json.field("carryForwardSellQty", raw: "0")
        json.field("dayBuyQty", numberText: net > 0 ? lots : "0")
        json.field("daySellQty", numberText: net > 0 ? "0" : lots)
        json.field("drvExpiryDate", "0001-01-01")
        json.field("drvOptionType", "")
        json.field("drvStrikePrice", raw: "0.0")
        json.field("crossCurrency", bool: false)
        json.endObject()
    }

    /// What a correct sync stores for a Dhan token: totalQty with its split, no last price.
    static func expectedHoldings(_ holdings: [PricedPosition], token: String) -> [ExpectedPosition] {
        let shapes = Shapes(token: token)
        return holdings.enumerated().map { index, priced in
            let quantity = Int(priced.quantity.value / Micros.scale)
            let split = shapes.split(index, quantity: quantity)
            var row = ExpectedPosition(priced)
            row.lastPrice = nil
            row.free = String(quantity - split.unsettled - split.pledged)
            row.unsettled = String(split.unsettled)
            row.pledged = String(split.pledged)
            return row
        }
    }
}
