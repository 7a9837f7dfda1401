import ExactDecimal
import SandboxData

/// What a correct sync of an Upstox account stores, by Upstox's documented rules, for `GET /sim/expected?format=upstox`.
///
/// Holdings: quantity = `quantity` (the total), split into `t1_quantity` (unsettled), `collateral_quantity` (pledged)
/// and the free rest. Positions: the open positions with their multipliers, a null `average_price` read from the
/// side's price. Transactions: every historical trade and today's, each once by `exchange:trade_id`.
enum UpstoxExpected {
    static func holdings(_ holdings: [PricedPosition], token: String) -> [ExpectedPosition] {
        let shapes = UpstoxShapes(token: token)
        return holdings.enumerated().map { index, priced in
            let quantity = Int(priced.quantity.value / Micros.scale)
            let split = shapes.split(index, quantity: quantity)
            var row = ExpectedPosition(priced)
            row.free = String(quantity - split.unsettled - split.pledged)
            row.unsettled = String(split.unsettled)
            row.pledged = String(split.pledged)
            return row
        }
    }

    static func positions(_ trades: [SimulatedPortfolio.Trade], holdings: [PricedPosition], token: String) -> [ExpectedPosition] {
        let bySymbol = Dictionary(holdings.map { ($0.position.symbol, $0) }, uniquingKeysWith: { first, _ in first })
        var rows: [ExpectedPosition] = trades.compactMap { trade in
            guard let priced = bySymbol[trade.symbol] else { return nil }
            var row = ExpectedPosition(
                symbol: trade.symbol, exchange: trade.exchange, isin: nil, assetType: "stock",
                quantity: (trade.side == "BUY" ? trade.quantity : -trade.quantity).exactText, averagePrice: trade.price.exactText,
                lastPrice: priced.lastPriceText)
            row.multiplier = "1"
            return row
        }
        if UpstoxShapes(token: token).derivatives {
            for contract in UpstoxShapes.contracts {
                var row = ExpectedPosition(
                    symbol: contract.symbol, exchange: contract.exchange, isin: nil, assetType: "future", quantity: String(contract.lots),
                    averagePrice: contract.price, lastPrice: contract.price)
                row.multiplier = String(contract.multiplier)
                rows.append(row)
            }
        }
        return rows
    }

    static func transactions(_ history: [UpstoxHistory.Trade], today: [SimulatedPortfolio.Trade], day: Int) -> [ExpectedTrade] {
        var rows = history.map { trade in
            ExpectedTrade(
                externalID: "\(trade.exchange):\(trade.tradeID)", kind: trade.side.lowercased(), symbol: trade.symbol,
                quantity: String(trade.quantity), price: trade.price.text, amount: trade.amount.text,
                occurredAt: SimulatedCalendar.iso8601(SimulatedCalendar.midnightUTC(day: trade.day) - SimulatedCalendar.istOffset))
        }
        let open = SimulatedCalendar.midnightUTC(day: day) + SimulatedCalendar.indianOpenUTC
        for trade in today {
            let quantity = Micros(text: trade.quantity.exactText) ?? .zero
            let price = Micros(text: trade.price.exactText) ?? .zero
            rows.append(
                ExpectedTrade(
                    externalID: "\(trade.exchange):\(trade.tradeID)", kind: trade.side.lowercased(), symbol: trade.symbol,
                    quantity: quantity.text, price: price.text, amount: (quantity * price).text,
                    occurredAt: SimulatedCalendar.iso8601(open + trade.secondsIntoSession)))
        }
        return rows
    }
}

/// One transaction a correct sync stores (`/sim/expected?format=upstox&what=transactions`).
struct ExpectedTrade: Codable, Sendable, Equatable {
    var externalID: String
    var kind: String
    var symbol: String
    var quantity: String
    var price: String
    var amount: String
    var occurredAt: String
}
