import NIOCore
import SandboxData

/// Alpaca bodies: bare JSON, every number a string.
enum AlpacaBody {
    /// `GET /v2/account`.
    static func account(token: String, holdings: [PricedPosition]) -> ByteBuffer {
        let identity = AccountIdentity(token: token)
        var marketValue = Micros.zero
        var lastEquity = Micros.zero
        for position in holdings {
            marketValue = marketValue + position.quantity * position.lastPrice
            lastEquity = lastEquity + position.quantity * position.closePrice
        }
        let cash = Micros(value: Int128(1_000 + identity.number * 7) * Micros.scale + Int128(10 + identity.number % 90) * 10_000)
        var json = JSONWriter(capacity: 900)
        json.beginObject()
        json.field("id", identity.uuid("alpaca-account"))
        json.field("account_number", "PA" + identity.userID + "SIM")
        json.field("status", "ACTIVE")
        json.field("crypto_status", "ACTIVE")
        json.field("currency", "USD")
        json.field("buying_power", decimalText: (cash + cash).text)
        json.field("regt_buying_power", decimalText: (cash + cash).text)
        json.field("cash", decimalText: cash.text)
        json.field("portfolio_value", decimalText: (cash + marketValue).text)
        json.field("equity", decimalText: (cash + marketValue).text)
        json.field("last_equity", decimalText: (cash + lastEquity).text)
        json.field("long_market_value", decimalText: marketValue.text)
        json.field("short_market_value", "0")
        json.field("multiplier", "2")
        json.field("pattern_day_trader", bool: false)
        json.field("trading_blocked", bool: false)
        json.field("transfers_blocked", bool: false)
        json.field("account_blocked", bool: false)
        json.field("shorting_enabled", bool: true)
        json.field("created_at", "2024-03-01T15:04:05.123456Z")
        json.endObject()
        return json.buffer
    }

    /// `GET /v2/positions`: a bare array; a short position (`AlpacaShapes.isShort`) has negative `qty`, `market_value` and
    /// `cost_basis` and `side: short` (alpacahq/Alpaca-API#86).
    static func positions(_ holdings: [PricedPosition], shapes: AlpacaShapes) -> ByteBuffer {
        var json = JSONWriter(capacity: 16 + holdings.count * 640)
        json.beginArray()
        for (index, priced) in holdings.enumerated() {
            let position = priced.position
            let short = shapes.isShort(index)
            let quantity = short ? Micros.zero - priced.quantity : priced.quantity
            let quantityText = short ? "-" + priced.quantityText : priced.quantityText
            let marketValue = quantity * priced.lastPrice
            let costBasis = quantity * priced.averagePrice
            let dayChange = priced.dayChange
            let intraday = dayChange * quantity
            json.beginObject()
            json.field(
                "asset_id",
                AccountIdentity.uuid(SimulatedPortfolio.hash("asset", position.symbol), SimulatedPortfolio.hash("asset", position.symbol, 2)))
            json.field("symbol", position.symbol)
            json.field("exchange", position.exchange)
            json.field("asset_class", "us_equity")
            json.field("asset_marginable", bool: true)
            json.field("qty", decimalText: quantityText)
            json.field("avg_entry_price", decimalText: priced.averagePriceText)
            json.field("side", short ? "short" : "long")
            json.field("market_value", decimalText: marketValue.text)
            json.field("cost_basis", decimalText: costBasis.text)
            json.field("unrealized_pl", decimalText: (marketValue - costBasis).text)
            json.field("unrealized_plpc", decimalText: Micros.ratioText(marketValue - costBasis, costBasis, places: 10))
            json.field("unrealized_intraday_pl", decimalText: intraday.text)
            json.field("unrealized_intraday_plpc", decimalText: Micros.ratioText(intraday, quantity * priced.closePrice, places: 10))
            json.field("current_price", decimalText: priced.lastPriceText)
            json.field("lastday_price", decimalText: priced.closePriceText)
            json.field("change_today", decimalText: Micros.ratioText(dayChange, priced.closePrice, places: 10))
            json.field("qty_available", decimalText: quantityText)
            json.endObject()
        }
        json.endArray()
        return json.buffer
    }
}
