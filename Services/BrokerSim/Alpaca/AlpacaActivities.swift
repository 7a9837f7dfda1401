import NIOCore
import SandboxData

/// `GET /v2/account/activities`: the day's trades as FILL activities, paged the way Alpaca pages
/// (`page_size` up to 100, `page_token` = the id of the last item seen, `direction` desc by default).
struct AlpacaActivities {
    /// One fill, with Alpaca's sortable id (`yyyymmddhhmmssmmm::<uuid>`).
    struct Fill: Sendable {
        var id: String
        var time: Int
        var trade: SimulatedPortfolio.Trade
    }

    /// What the query asked for.
    struct Query: Sendable, Equatable {
        var descending = true
        var pageSize = 100
        var pageToken: String?
        /// False when the caller filtered for activity types other than FILL.
        var includesFills = true
    }

    /// The largest page Alpaca serves.
    static let maximumPageSize = 100

    /// Parses `direction`, `page_size`, `page_token` and `activity_types` (or the type in the path).
    static func query(_ parameters: [String: String], pathType: String?) -> Result<Query, BrokerFailure> {
        var query = Query()
        switch parameters["direction"]?.lowercased() {
        case nil, "desc": query.descending = true
        case "asc": query.descending = false
        case let other?: return .failure(.badRequest("invalid direction: \(other.prefix(20))"))
        }
        if let size = parameters["page_size"] {
            guard let value = Int(size), value > 0 else { return .failure(.badRequest("invalid page_size: \(size.prefix(20))")) }
            query.pageSize = min(value, maximumPageSize)
        }
        query.pageToken = parameters["page_token"].flatMap { $0.isEmpty ? nil : $0 }
        let types = pathType.map { [$0] } ?? parameters["activity_types"]?.split(separator: ",").map(String.init)
        if let types { query.includesFills = types.contains { $0.uppercased() == "FILL" } }
        return .success(query)
    }

    /// The day's fills in ascending id order.
    static func fills(token: String, trades: [SimulatedPortfolio.Trade], day: Int) -> [Fill] {
        let open = SimulatedCalendar.midnightUTC(day: day) + SimulatedCalendar.usOpenUTC
        return trades.map { trade in
            let time = open + trade.secondsIntoSession
            let uuid = AccountIdentity.uuid(
                SimulatedPortfolio.hash(token, "fill", trade.tradeID, day), SimulatedPortfolio.hash(token, "fill2", trade.tradeID))
            return Fill(id: SimulatedCalendar.compactTimestamp(time) + "::" + uuid, time: time, trade: trade)
        }.sorted { $0.id < $1.id }
    }

    /// The page `query` selects from `fills` (ascending by id).
    static func page(_ fills: [Fill], _ query: Query) -> [Fill] {
        guard query.includesFills else { return [] }
        let ordered: [Fill] = query.descending ? fills.reversed() : fills
        let remaining = ordered.drop { fill in
            guard let token = query.pageToken else { return false }
            return query.descending ? fill.id >= token : fill.id <= token
        }
        return Array(remaining.prefix(query.pageSize))
    }

    /// The JSON array of `fills`.
    static func body(_ fills: [Fill], token: String) -> ByteBuffer {
        var json = JSONWriter(capacity: 16 + fills.count * 420)
        json.beginArray()
        for fill in fills {
            let trade = fill.trade
            json.beginObject()
            json.field("id", fill.id)
            json.field("activity_type", "FILL")
            json.field("transaction_time", SimulatedCalendar.iso8601(fill.time))
            json.field("type", "fill")
            json.field("price", decimalString: trade.price)
            json.field("qty", decimalString: trade.quantity)
            json.field("side", trade.side.lowercased())
            json.field("symbol", trade.symbol)
            json.field("leaves_qty", "0")
            json.field(
                "order_id", AccountIdentity.uuid(SimulatedPortfolio.hash(token, "order", trade.orderID), SimulatedPortfolio.hash(trade.orderID)))
            json.field("cum_qty", decimalString: trade.quantity)
            json.field("order_status", "filled")
            json.endObject()
        }
        json.endArray()
        return json.buffer
    }
}
