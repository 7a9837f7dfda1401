import ExactDecimal
import SandboxData

/// What Alpaca serves on a simulated day, and what a correct sync stores by Alpaca's documented rules, for
/// `GET /sim/expected?format=alpaca&what=holdings|transactions`.
///
/// Holdings: the positions with a short one's quantity negative. Transactions: every activity booked on days 0…D (a sync
/// on each of those days sees each one once it is booked, a late dividend included), each id once, with its kind by the
/// activity type table of docs.alpaca.markets/docs/account-activities (see `AlpacaShapes.nonTradeTypes`).
enum AlpacaExpected {
    /// The activities listed on simulated `day`: that day's fills and the non-trade activities booked that day.
    static func entries(_ simulator: BrokerSimulator, key: String, day: Int, count: Int) -> [AlpacaActivities.Entry] {
        let portfolio = PortfolioCache.Key(token: key, day: day, count: count, market: .us)
        let nonTrades = AlpacaShapes(key: key).nonTrades(key: key, day: day, first: simulator.portfolios.holdings(portfolio).first)
        return AlpacaActivities.entries(token: key, trades: simulator.portfolios.trades(portfolio), nonTrades: nonTrades, day: day)
    }

    static func holdings(_ holdings: [PricedPosition], key: String) -> [ExpectedPosition] {
        let shapes = AlpacaShapes(key: key)
        return holdings.enumerated().map { index, priced in
            var row = ExpectedPosition(priced)
            if shapes.isShort(index) { row.quantity = "-" + priced.quantityText }
            return row
        }
    }

    /// Activity types by the kind a sync stores them as (the README's table).
    static let kinds: [String: String] = [
        "DIV": "dividend", "DIVCGL": "dividend", "DIVCGS": "dividend", "DIVROC": "dividend", "DIVTXEX": "dividend",
        "DIVNRA": "withholding_tax", "DIVFT": "withholding_tax", "DIVTW": "withholding_tax", "INTNRA": "withholding_tax",
        "INTTW": "withholding_tax", "INT": "interest", "FEE": "fee", "CFEE": "fee", "DIVFEE": "fee", "PTC": "fee", "PTR": "fee",
        "CSD": "deposit", "CSW": "withdrawal", "ACATC": "transfer", "ACATS": "transfer", "JNL": "journal", "JNLC": "journal",
        "JNLS": "journal", "SPLIT": "split", "SSP": "split", "SPIN": "spin_off", "SSO": "spin_off", "MA": "merger",
    ]

    /// One stored transaction, decimals as exact text.
    struct Transaction: Codable, Sendable, Equatable {
        var id: String
        var kind: String
        var symbol: String?
        var quantity: String?
        var price: String?
        var amount: String?
        var occurredAt: String
    }

    /// Every activity booked on days 0…`day` (at most the last 366), by id.
    static func transactions(_ simulator: BrokerSimulator, key: String, day: Int, count: Int) -> [Transaction] {
        var rows: [String: Transaction] = [:]
        for booked in max(0, day - 365)...day {
            for entry in entries(simulator, key: key, day: booked, count: count) where rows[entry.id] == nil {
                if let trade = entry.fill {
                    rows[entry.id] = Transaction(
                        id: entry.id, kind: trade.side.uppercased() == "SELL" ? "sell" : "buy", symbol: trade.symbol,
                        quantity: trade.quantity.exactText, price: trade.price.exactText, amount: (trade.quantity * trade.price).exactText,
                        occurredAt: SimulatedCalendar.iso8601(entry.time))
                } else if let activity = entry.nonTrade {
                    rows[entry.id] = Transaction(
                        id: entry.id, kind: kinds[activity.type] ?? "other", symbol: activity.symbol, quantity: activity.quantity,
                        price: nil, amount: activity.netAmount, occurredAt: SimulatedCalendar.iso8601(activity.date))
                }
            }
        }
        return rows.values.sorted { $0.id < $1.id }
    }
}
