import CivilTime
public import Contracts
import CurlClient
import FoundationEssentials

/// Upstox trades as transactions: the trade history of the last three financial years, paged, and today's trades.
extension UpstoxAdapter {
    /// Trades per page of `/v2/charges/historical-trades` (the docs' own example asks for 100).
    static let pageSize = 100
    /// Pages read in one sync at most (100,000 trades); a longer history is refused rather than stored in part.
    static let maximumPages = 1000
    /// Days before the cursor fetched again: trades reach the history late, and each is stored once by its id.
    static let overlapDays = 7

    /// Historical trades from the cursor's date (less `overlapDays`) or, on the first sync, from the start of the
    /// financial year two before the current one (Upstox: "data only for last 3 financial years"; an Indian financial
    /// year starts on 1 April), to today in IST; then today's trades, which the history may not have yet. Each is stored
    /// once by `exchange:trade_id` (Upstox: "Trade ID generated from exchange", the same in both lists). The next cursor
    /// is today's IST date, so later syncs fetch only the last days.
    ///
    /// Sources: https://upstox.com/developer/api-documentation/get-historical-trades (`segment` omitted = every segment;
    /// `start_date`, `end_date` as `YYYY-mm-dd`; `page_number` from 1; `page_size`; `meta_data.page.total_pages`),
    /// https://upstox.com/developer/api-documentation/get-trade-history (`/v2/order/trades/get-trades-for-day`), and
    /// upstox-python `post_trade_api.py` (`get_trades_by_date_range`).
    public func transactions(_ credentials: BrokerCredentials, since cursor: String?) async throws -> TransactionsBatch {
        let today = Self.istDay(environment.now())
        let earliest = Self.financialYearStart(containing: today, yearsBack: 2)
        var start = earliest
        if let cursor, let day = Self.day(cursor) { start = max(earliest, min(today, day - Self.overlapDays)) }
        var transactions = try await history(credentials, from: start, to: today)
        let seen = Set(transactions.map(\.externalID))
        transactions += try await todaysTrades(credentials).filter { !seen.contains($0.externalID) }
        return TransactionsBatch(transactions: transactions, cursor: Self.dateText(today))
    }

    private func history(_ credentials: BrokerCredentials, from start: Int, to end: Int) async throws -> [BrokerTransaction] {
        let headers = try headers(credentials)
        var transactions: [BrokerTransaction] = []
        var page = 1
        while true {
            let query = [
                ("start_date", Self.dateText(start)), ("end_date", Self.dateText(end)), ("page_number", String(page)),
                ("page_size", String(Self.pageSize)),
            ]
            let response = try await http.get("/v2/charges/historical-trades", query: query, headers: headers, credentials: credentials)
            let body = try http.decode(Upstox.TradeHistory.self, from: response, what: "historical trades page \(page)")
            let raw = BrokerJSON.rawItems(response.body, path: "data")
            for (index, trade) in body.data.enumerated() {
                transactions.append(try Self.transaction(trade, meta: raw?[index]))
            }
            let totalPages = body.metaData?.page?.totalPages
            if let totalPages, totalPages > Self.maximumPages {
                throw BrokerError.permanent(
                    "UPSTOX has \(totalPages) pages of historical trades, more than the \(Self.maximumPages) one sync reads")
            }
            let more = totalPages.map { page < $0 } ?? (body.data.count >= Self.pageSize)
            guard more, !body.data.isEmpty else { break }
            page += 1
            guard page <= Self.maximumPages else {
                throw BrokerError.permanent("UPSTOX kept sending historical trades past page \(Self.maximumPages)")
            }
        }
        return transactions
    }

    static func transaction(_ trade: Upstox.HistoricalTrade, meta: RawJSON?) throws -> BrokerTransaction {
        guard let date = BrokerTime.parseIST(trade.tradeDate), trade.tradeDate.utf8.count == 10 else {
            throw BrokerError.permanent(
                "UPSTOX sent trade \(trade.tradeId.prefix(40)) dated '\(trade.tradeDate.prefix(40))', not a YYYY-mm-dd date in \(TimeBounds.years.lowerBound)-\(TimeBounds.years.upperBound)"
            )
        }
        return BrokerTransaction(
            externalID: "\(trade.exchange ?? "-"):\(trade.tradeId)", kind: try kind(trade.transactionType, trade: trade.tradeId),
            symbol: trade.symbol ?? trade.scripName, exchange: trade.exchange, isin: trade.isin, quantity: trade.quantity,
            price: trade.price, amount: trade.amount ?? trade.quantity * trade.price, currency: "INR", occurredAt: date, meta: meta)
    }

    /// Today's fills. A fill on the cash market (NSE, BSE) is worth quantity × price; others are stored without an
    /// amount until the history gives Upstox's own.
    private func todaysTrades(_ credentials: BrokerCredentials) async throws -> [BrokerTransaction] {
        let response = try await http.get(
            "/v2/order/trades/get-trades-for-day", headers: try headers(credentials), credentials: credentials)
        let trades = try http.decode(Upstox.Envelope<[Upstox.DayTrade]>.self, from: response, what: "today's trades").data
        let raw = BrokerJSON.rawItems(response.body, path: "data")
        return try trades.enumerated().map { index, trade in
            guard let text = trade.exchangeTimestamp, let time = Self.parseDayTimestamp(text) else {
                throw BrokerError.permanent(
                    "UPSTOX sent trade \(trade.tradeId.prefix(40)) with exchange_timestamp '\((trade.exchangeTimestamp ?? "").prefix(40))', not a time like 03-Aug-2017 15:03:42"
                )
            }
            let cash = ["NSE", "BSE"].contains(trade.exchange)
            return BrokerTransaction(
                externalID: "\(trade.exchange):\(trade.tradeId)", kind: try Self.kind(trade.transactionType, trade: trade.tradeId),
                symbol: trade.tradingsymbol ?? trade.tradingSymbol, exchange: trade.exchange, isin: nil, quantity: trade.quantity,
                price: trade.averagePrice, amount: cash ? trade.quantity * trade.averagePrice : nil, currency: "INR", occurredAt: time,
                meta: raw?[index])
        }
    }

    static func kind(_ type: String, trade: String) throws -> TransactionKind {
        switch type.uppercased() {
        case "BUY": return .buy
        case "SELL": return .sell
        default: throw BrokerError.permanent("UPSTOX sent trade \(trade.prefix(40)) with transaction_type '\(type.prefix(20))'")
        }
    }

    /// `03-Aug-2017 15:03:42` (IST) as a time.
    static func parseDayTimestamp(_ text: String) -> Date? {
        let parts = text.split(separator: " ")
        guard text.utf8.count <= 32, parts.count == 2 else { return nil }
        let date = parts[0].split(separator: "-")
        guard date.count == 3, date[0].count == 2, date[2].count == 4, let month = months.firstIndex(of: date[1].lowercased())
        else { return nil }
        return BrokerTime.parseIST("\(date[2])-\(month < 9 ? "0" : "")\(month + 1)-\(date[0]) \(parts[1])")
    }

    static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// The IST calendar day of `date`, as days since 1970-01-01.
    static func istDay(_ date: Date) -> Int {
        CivilDate.floorDivision(Int(date.timeIntervalSince1970.rounded(.down)) + 19_800, 86_400).quotient
    }

    /// 1 April of the financial year `yearsBack` before the one holding `day` (April to March).
    static func financialYearStart(containing day: Int, yearsBack: Int) -> Int {
        let date = CivilDate(daysSinceEpoch: day)
        let year = (date.month >= 4 ? date.year : date.year - 1) - yearsBack
        return CivilDate(year: year, month: 4, day: 1)!.daysSinceEpoch
    }

    static func dateText(_ day: Int) -> String {
        let date = CivilDate(daysSinceEpoch: day)
        func pad(_ value: Int, _ width: Int) -> String {
            String(repeating: "0", count: max(0, width - String(value).count)) + String(value)
        }
        return "\(pad(date.year, 4))-\(pad(date.month, 2))-\(pad(date.day, 2))"
    }

    /// A cursor (`YYYY-MM-DD`) as a day, or `nil` for anything else (a full fetch follows).
    static func day(_ text: String) -> Int? {
        guard text.utf8.count == 10, let date = BrokerTime.parseIST(text) else { return nil }
        return istDay(date)
    }
}
