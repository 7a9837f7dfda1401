public import Contracts
import CurlClient
import FoundationEssentials

/// `GET /v2/account/activities` (docs.alpaca.markets/reference/getaccountactivities-1; alpaca-py
/// `alpaca/trading/models.py` `TradeActivity` / `NonTradeActivity`): fills carry `transaction_time`, everything else a
/// `date`; ids are `<yyyymmddhhmmssmmm>::<uuid>` and page with `page_token` (`page_size` at most 100).
///
/// Activities are read again from `ACTIVITY_OVERLAP_DAYS` (default 10) before the cursor: Alpaca books some of them
/// late with an earlier `date` (a dividend, its withholding, a correction), and `after=<cursor>` alone would skip those
/// for good. What is read twice is the same activity id, stored once (transactions are unique per account and id).
extension AlpacaAdapter {
    /// One activity, trade or not.
    struct Activity: Decodable {
        let id: String
        let activityType: String
        let transactionTime: String?
        let date: String?
        let symbol: String?
        let side: String?
        let qty: String?
        let price: String?
        let netAmount: String?

        enum CodingKeys: String, CodingKey {
            case id, date, symbol, side, qty, price
            case activityType = "activity_type"
            case transactionTime = "transaction_time"
            case netAmount = "net_amount"
        }
    }

    /// The largest page Alpaca serves.
    static let pageSize = 100
    /// Days read again before the cursor when the setting is absent.
    static let defaultOverlapDays = 10

    /// `PSYNC_ALPACA_ACTIVITY_OVERLAP_DAYS`, 0-366.
    func overlapDays() throws -> Int {
        guard let text = environment.options["ACTIVITY_OVERLAP_DAYS"] else { return Self.defaultOverlapDays }
        guard let days = Int(text), (0...366).contains(days) else {
            throw BrokerError.permanent("PSYNC_ALPACA_ACTIVITY_OVERLAP_DAYS must be a whole number of days 0-366, got '\(text.prefix(20))'")
        }
        return days
    }

    /// Activities from `overlapDays` before the cursor (the latest activity time seen), oldest first, every page, each id once.
    /// The next cursor is the latest time seen, never earlier than the one given.
    public func transactions(_ credentials: BrokerCredentials, since cursor: String?) async throws -> TransactionsBatch {
        let overlap = Double(try overlapDays()) * 86_400
        let seen = cursor.flatMap(Self.time(of:))
        let after = seen.map { $0.addingTimeInterval(-overlap) }
        var transactions: [BrokerTransaction] = []
        var ids = Set<String>()
        var latest = seen
        var pageToken: String?
        for _ in 0..<1000 {
            var query = [("direction", "asc"), ("page_size", String(Self.pageSize))]
            if let after { query.append(("after", ISO8601.format(after))) }
            if let pageToken { query.append(("page_token", pageToken)) }
            let response = try await get("/v2/account/activities", query: query, credentials)
            let page = try http.decode([Activity].self, from: response, what: "account activities")
            let raw = BrokerJSON.rawItems(response.body)
            for (index, activity) in page.enumerated() where ids.insert(activity.id).inserted {
                let transaction = try Self.transaction(activity, meta: raw?[index])
                transactions.append(transaction)
                if latest.map({ transaction.occurredAt > $0 }) ?? true { latest = transaction.occurredAt }
            }
            guard page.count == Self.pageSize, let last = page.last, last.id != pageToken else { break }
            pageToken = last.id
        }
        return TransactionsBatch(transactions: transactions, cursor: latest.map(ISO8601.format) ?? cursor)
    }

    /// A cursor's time: an ISO 8601 time or a `yyyy-mm-dd` date (cursors written before the overlap window); one that is
    /// neither starts from the beginning, which re-reads but never duplicates.
    static func time(of cursor: String) -> Date? {
        BrokerTime.parseISO8601(cursor) ?? (cursor.utf8.count == 10 ? BrokerTime.parseISO8601(cursor + "T00:00:00Z") : nil)
    }

    static func transaction(_ activity: Activity, meta: RawJSON?) throws -> BrokerTransaction {
        guard let time = activity.transactionTime.flatMap(BrokerTime.parseISO8601) ?? activity.date.flatMap(time(of:)) else {
            let sent = (activity.transactionTime ?? activity.date).map { " ('\($0.prefix(30))')" } ?? ""
            throw BrokerError.permanent(
                "ALPACA sent activity \(activity.id.prefix(40)) without a valid time\(sent); times must be ISO 8601 in \(TimeBounds.years)")
        }
        let symbol = activity.symbol ?? ""
        let quantity = try activity.qty.map { try decimal($0, "qty", symbol) }
        let price = try activity.price.map { try decimal($0, "price", symbol) }
        var amount = try activity.netAmount.map { try decimal($0, "net_amount", symbol) }
        let kind = kind(activity.activityType, side: activity.side)
        if amount == nil, activity.activityType == "FILL", let quantity, let price { amount = quantity * price }
        return BrokerTransaction(
            externalID: activity.id, kind: kind, symbol: activity.symbol, exchange: nil, isin: nil, quantity: quantity, price: price,
            amount: amount, currency: "USD", occurredAt: time, meta: meta)
    }
}
