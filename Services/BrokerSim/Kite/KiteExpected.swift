import ExactDecimal
import SandboxData

/// What a correct sync of a Kite account stores, by Kite's documented rules, for `GET /sim/expected?format=kite`.
///
/// Holdings: one row per instrument with quantity = `quantity + t1_quantity + collateral_quantity` and that split,
/// a row of its own for an `mtf` lot, then the mutual funds. Positions: the net positions with their multipliers.
enum KiteExpected {
    static func holdings(_ holdings: [PricedPosition], token: String) -> [ExpectedPosition] {
        let shapes = KiteShapes(token: token)
        var rows: [ExpectedPosition] = []
        for (index, priced) in holdings.enumerated() {
            let split = shapes.split(index, quantity: Int(priced.quantity.value / Micros.scale))
            var row = ExpectedPosition(priced)
            row.free = String(split.free)
            row.unsettled = String(split.unsettled)
            row.pledged = String(split.pledged)
            rows.append(row)
            if let lot = shapes.marginLot(index, averagePrice: priced.averagePrice) {
                var margin = ExpectedPosition(priced)
                margin.quantity = String(lot.quantity)
                margin.averagePrice = lot.averagePrice.text
                margin.lot = "mtf"
                rows.append(margin)
            }
        }
        if shapes.mutualFunds && shapes.mutualFundsRefusal == nil {
            for fund in KiteShapes.funds(token: token) {
                rows.append(
                    ExpectedPosition(
                        symbol: fund.isin, exchange: nil, isin: fund.isin, assetType: "mutual_fund", quantity: fund.quantity,
                        averagePrice: fund.averagePrice, lastPrice: fund.lastPrice))
            }
        }
        return rows
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
        if KiteShapes(token: token).derivatives {
            for contract in KiteShapes.contracts {
                var row = ExpectedPosition(
                    symbol: contract.symbol, exchange: contract.exchange, isin: nil, assetType: "future", quantity: String(contract.quantity),
                    averagePrice: contract.price, lastPrice: contract.price)
                row.multiplier = String(contract.multiplier)
                rows.append(row)
            }
        }
        return rows
    }
}
