import CivilTime
import NIOCore
import SandboxData

/// `GET /v2/account/activities`: the day's trades as FILL activities and the key's non-trade activities (`AlpacaShapes`),
/// filtered and paged the way Alpaca does (docs.alpaca.markets/reference/getaccountactivities-1): `activity_types`,
/// `after` / `until` (a date or an RFC 3339 time, against a fill's `transaction_time` or another activity's `date`),
/// `page_size` up to 100, `page_token` = the id of the last item seen, `direction` desc by default, ordered by id.
struct AlpacaActivities {
    /// One activity, with Alpaca's sortable id (`yyyymmddhhmmssmmm::<uuid>`: when it was booked).
    struct Entry: Sendable {
        var id: String
        /// Unix seconds `after` and `until` compare: a fill's time, another activity's date.
        var time: Int
        var type: String
        var fill: SimulatedPortfolio.Trade?
        var nonTrade: AlpacaShapes.NonTrade?
    }

    /// What the query asked for.
    struct Query: Sendable, Equatable {
        var descending = true
        var pageSize = 100
        var pageToken: String?
        /// The types asked for; `nil` for all.
        var types: Set<String>?
        var after: Int?
        var until: Int?
    }

    /// The largest page Alpaca serves.
    static let maximumPageSize = 100

    /// Parses `direction`, `page_size`, `page_token`, `after`, `until` and `activity_types` (or the type in the path).
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
        for name in ["after", "until"] {
            guard let text = parameters[name] else { continue }
            guard let seconds = seconds(text) else { return .failure(.badRequest("invalid \(name): \(text.prefix(40))")) }
            if name == "after" { query.after = seconds } else { query.until = seconds }
        }
        if let types = pathType.map({ [$0] }) ?? parameters["activity_types"]?.split(separator: ",").map(String.init) {
            // TRANS is a filter for CSD and CSW; it is never returned as a type.
            query.types = Set(types.flatMap { $0.uppercased() == "TRANS" ? ["CSD", "CSW"] : [$0.uppercased()] })
        }
        return .success(query)
    }

    /// Unix seconds of `yyyy-mm-dd` or `yyyy-mm-ddThh:mm:ss[.fff](Z|±hh:mm)`.
    static func seconds(_ text: String) -> Int? {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count else { return nil }
            var value = 0
            for index in range {
                guard bytes[index] >= 48, bytes[index] <= 57 else { return nil }
                value = value * 10 + Int(bytes[index] - 48)
            }
            return value
        }
        guard bytes.count >= 10, bytes.count <= 40, let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let date = CivilDate(year: year, month: month, day: day)
        else { return nil }
        var seconds = date.daysSinceEpoch * 86_400
        guard bytes.count > 10 else { return seconds }
        guard bytes.count >= 20, let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19) else { return nil }
        seconds += hour * 3600 + minute * 60 + second
        var rest = bytes[19...].drop { $0 == UInt8(ascii: ".") || ($0 >= 48 && $0 <= 57) }
        if rest.first == UInt8(ascii: "Z") { return rest.count == 1 ? seconds : nil }
        guard rest.count == 6, let sign = rest.popFirst(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") else { return nil }
        let offset = Array(rest)
        guard offset[2] == UInt8(ascii: ":"), let hours = Int(String(decoding: offset[0..<2], as: UTF8.self)),
            let minutes = Int(String(decoding: offset[3..<5], as: UTF8.self))
        else { return nil }
        return seconds - (sign == UInt8(ascii: "+") ? 1 : -1) * (hours * 3600 + minutes * 60)
    }

    /// The day's fills and non-trade activities in ascending id order.
    static func entries(token: String, trades: [SimulatedPortfolio.Trade], nonTrades: [AlpacaShapes.NonTrade], day: Int) -> [Entry] {
        let open = SimulatedCalendar.midnightUTC(day: day) + SimulatedCalendar.usOpenUTC
        var entries = trades.map { trade in
            let time = open + trade.secondsIntoSession
            let uuid = AccountIdentity.uuid(
                SimulatedPortfolio.hash(token, "fill", trade.tradeID, day), SimulatedPortfolio.hash(token, "fill2", trade.tradeID))
            return Entry(id: SimulatedCalendar.compactTimestamp(time) + "::" + uuid, time: time, type: "FILL", fill: trade)
        }
        entries += nonTrades.map { Entry(id: $0.id, time: $0.date, type: $0.type, nonTrade: $0) }
        return entries.sorted { $0.id < $1.id }
    }

    /// The page `query` selects from `entries` (ascending by id).
    static func page(_ entries: [Entry], _ query: Query) -> [Entry] {
        let selected = entries.filter { entry in
            (query.types?.contains(entry.type) ?? true) && query.after.map { entry.time > $0 } ?? true
                && query.until.map { entry.time <= $0 } ?? true
        }
        let ordered: [Entry] = query.descending ? selected.reversed() : selected
        let remaining = ordered.drop { entry in
            guard let token = query.pageToken else { return false }
            return query.descending ? entry.id >= token : entry.id <= token
        }
        return Array(remaining.prefix(query.pageSize))
    }

    /// The JSON array of `entries`.
    static func body(_ entries: [Entry], token: String) -> ByteBuffer {
        var json = JSONWriter(capacity: 16 + entries.count * 420)
        json.beginArray()
        for entry in entries {
            json.beginObject()
            json.field("id", entry.id)
            json.field("activity_type", entry.type)
            if let trade = entry.fill {
                json.field("transaction_time", SimulatedCalendar.iso8601(entry.time))
                json.field("type", "fill")
                json.field("price", decimalString: trade.price)
                json.field("qty", decimalString: trade.quantity)
                json.field("side", trade.side.lowercased())
                json.field("symbol", trade.symbol)
                json.field("leaves_qty", "0")
                json.field(
                    "order_id",
                    AccountIdentity.uuid(SimulatedPortfolio.hash(token, "order", trade.orderID), SimulatedPortfolio.hash(trade.orderID)))
                json.field("cum_qty", decimalString: trade.quantity)
                json.field("order_status", "filled")
            } else if let activity = entry.nonTrade {
                json.field("date", SimulatedCalendar.date(epochDay: activity.date / 86_400))
                json.field("net_amount", decimalText: activity.netAmount)
                if let symbol = activity.symbol { json.field("symbol", symbol) }
                if let quantity = activity.quantity { json.field("qty", decimalText: quantity) }
                if let perShare = activity.perShareAmount { json.field("per_share_amount", decimalText: perShare) }
                json.field("status", "executed")
            }
            json.endObject()
        }
        json.endArray()
        return json.buffer
    }
}
