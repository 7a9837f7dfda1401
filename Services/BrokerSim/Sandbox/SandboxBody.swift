import NIOCore
import SandboxData

/// Bodies of the SANDBOX broker: decimals as strings, times in ISO 8601 UTC.
enum SandboxBody {
    /// The account id shown for `token`.
    static func account(_ token: String) -> String {
        let text = String(SimulatedPortfolio.hash(token, "sandbox-account") % 0xFFFF_FFFF, radix: 16, uppercase: true)
        return "SBX-" + String(repeating: "0", count: 8 - text.count) + text
    }

    /// `GET /sandbox/v1/holdings`.
    static func holdings(token: String, _ positions: [PricedPosition]) -> ByteBuffer {
        var json = JSONWriter(capacity: 128 + positions.count * 220)
        json.beginObject()
        json.field("account", account(token))
        json.field("as_of", SimulatedCalendar.iso8601Now())
        json.key("holdings")
        json.beginArray()
        for priced in positions {
            let position = priced.position
            json.beginObject()
            json.field("symbol", position.symbol)
            json.field("exchange", position.exchange)
            json.field("isin", position.isin)
            json.field("asset_type", "stock")
            json.field("quantity", decimalText: priced.quantityText)
            json.field("average_price", decimalText: priced.averagePriceText)
            json.field("last_price", decimalText: priced.lastPriceText)
            json.field("currency", position.currency)
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return json.buffer
    }

    /// `GET /sandbox/v1/transactions`: `trades` (empty when the cursor is already at `day`) and the next cursor.
    static func transactions(_ trades: [SimulatedPortfolio.Trade], day: Int) -> ByteBuffer {
        let open = SimulatedCalendar.midnightUTC(day: day) + SimulatedCalendar.indianOpenUTC
        var json = JSONWriter(capacity: 64 + trades.count * 300)
        json.beginObject()
        json.key("transactions")
        json.beginArray()
        for trade in trades {
            json.beginObject()
            json.field("id", "day\(day)-" + trade.tradeID)
            json.field("type", trade.side.lowercased())
            json.field("symbol", trade.symbol)
            json.field("exchange", trade.exchange)
            json.field("isin", trade.isin)
            json.field("quantity", decimalString: trade.quantity)
            json.field("price", decimalString: trade.price)
            json.field("amount", decimalString: trade.quantity * trade.price)
            json.field("currency", trade.currency)
            json.field("executed_at", SimulatedCalendar.iso8601(open + trade.secondsIntoSession))
            json.endObject()
        }
        json.endArray()
        json.field("next_cursor", "day-\(day)")
        json.endObject()
        return json.buffer
    }

    /// `GET /sandbox/v1/profile`.
    static func profile(token: String) -> ByteBuffer {
        var json = JSONWriter(capacity: 96)
        json.beginObject()
        json.field("account", account(token))
        json.field("name", AccountIdentity(token: token).name)
        json.endObject()
        return json.buffer
    }

    /// The day a `since` cursor (`day-<n>`) stands for; `nil` if it is malformed.
    static func cursorDay(_ cursor: String) -> Int? {
        guard cursor.hasPrefix("day-"), let day = Int(cursor.dropFirst(4)), day >= 0 else { return nil }
        return day
    }
}
