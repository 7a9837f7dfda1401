import Contracts
import ExactDecimal
import FoundationEssentials

/// A portfolio's current holdings: totals per currency, the allocation by symbol and by broker, the holdings of every
/// account together and each account's own (with the quantity split), then open positions.
enum PortfolioHoldingsPage {
    static func render(_ holdings: PortfolioHoldings, positions: PortfolioHoldings) -> String {
        let portfolio = holdings.portfolio
        let all = holdings.accounts.filter { $0.account.status != .disabled }.flatMap(\.holdings)
        let brokers = Dictionary(holdings.accounts.map { ($0.account.id, $0.account.brokerCode) }, uniquingKeysWith: { first, _ in first })
        var byBroker: [(label: String, holding: Holding)] = []
        for account in holdings.accounts where account.account.status != .disabled {
            byBroker += account.holdings.map { (brokers[account.account.id] ?? "", $0) }
        }
        let accounts = holdings.accounts.map { account -> String in
            let header =
                "\(HTML.escape(account.account.label)) · \(HTML.escape(account.account.brokerCode)) · \(HTML.badge(account.account.status.rawValue))"
            let asOf = account.snapshot.map { " · as of " + HTML.time($0.asOf) } ?? " · never synced"
            return """
                <details class="account-holdings" data-account="\(account.account.id)"><summary>\(header)\(asOf) · \(account.holdings.count) holdings \
                (\(HTML.link("/accounts/\(account.account.id)", "account")), \(HTML.link("/accounts/\(account.account.id)/changes", "changes")))</summary>
                \(AccountPage.table(account.holdings))\(totalsTable(account.totals, id: "totals-\(account.account.id)"))</details>
                """
        }.joined(separator: "\n")
        let openPositions = positions.accounts.filter { !$0.holdings.isEmpty }
        return """
            <p>\(HTML.link("/portfolios/\(portfolio.id)", "Portfolio \(portfolio.name)")) · base currency \(HTML.escape(portfolio.baseCurrency)) · \
            \(holdings.accounts.count) accounts · \(HTML.link("/portfolios/\(portfolio.id)/history", "value over time")) · \
            \(HTML.link("/portfolios/\(portfolio.id)/changes", "what changed"))</p>
            <h2>Totals</h2>\(totalsTable(holdings.totals, id: "totals"))
            <h2>Allocation</h2>\(allocation(all.map { ($0.symbol, $0) }, by: "symbol"))\(allocation(byBroker, by: "broker"))
            <h2>All accounts together</h2>\(AccountPage.table(combined(all)))
            <h2>Per account</h2>\(accounts.isEmpty ? "<p class=\"muted\">no accounts</p>" : accounts)
            <h2 id="positions">Open positions</h2>\(totalsTable(positions.totals, id: "position-totals"))\
            \(openPositions.map { "<h3>\(HTML.escape($0.account.label))</h3>" + AccountPage.table($0.holdings, empty: "no positions") }.joined())
            """
    }

    /// Totals per currency; each row carries its figures in `data-*` so a test can compare them with the API's.
    static func totalsTable(_ totals: [CurrencyTotal], id: String) -> String {
        guard !totals.isEmpty else { return "<p class=\"muted\" id=\"\(HTML.escape(id))\">no holdings</p>" }
        let rows = totals.map { total in
            """
            <tr data-total-currency="\(HTML.escape(total.currency))" data-cost="\(total.costValue.exactText)" \
            data-value="\(total.marketValue.exactText)" data-pnl="\(total.unrealisedPnL.exactText)"><td>\(HTML.escape(total.currency))</td>\
            <td class="num">\(total.holdingsCount)</td><td class="num">\(total.costValue.exactText)</td>\
            <td class="num">\(total.marketValue.exactText)</td><td class="num">\(total.unrealisedPnL.exactText)</td></tr>
            """
        }.joined(separator: "\n")
        return """
            <table id="\(HTML.escape(id))"><thead><tr><th>Currency</th><th class="num">Holdings</th><th class="num">Cost</th>\
            <th class="num">Market value</th><th class="num">Unrealised P&amp;L</th></tr></thead><tbody>
            \(rows)
            </tbody></table>
            """
    }

    /// Holdings of the same instrument (symbol, exchange, type, lot, currency) across accounts, added up.
    static func combined(_ holdings: [Holding]) -> [Holding] {
        var order: [String] = []
        var sums: [String: Holding] = [:]
        for holding in holdings {
            let key = [holding.symbol, holding.exchange ?? "", holding.assetType.rawValue, holding.lot?.rawValue ?? "", holding.currency].joined(
                separator: "\u{1}")
            guard var sum = sums[key] else {
                order.append(key)
                sums[key] = holding
                continue
            }
            // Without a price a holding counts at cost in market value, as persistence's totals count it.
            sum.marketValue = (sum.marketValue ?? sum.costValue) + (holding.marketValue ?? holding.costValue)
            sum.quantity += holding.quantity
            sum.costValue += holding.costValue
            if let left = sum.split, let right = holding.split {
                sum.split = HeldQuantity(
                    free: left.free + right.free, unsettled: left.unsettled + right.unsettled, pledged: left.pledged + right.pledged)
            } else {
                sum.split = nil
            }
            // The average over both, by units held (cost over quantity × multiplier).
            let units = sum.quantity * (sum.multiplier ?? 1)
            if units != 0 { sum.averagePrice = (sum.costValue / units).rounded(4) }
            sums[key] = sum
        }
        return order.map { sums[$0]! }
    }

    /// Shares of market value (cost where there is no price) per currency, by `label`, as percentages with bars.
    static func allocation(_ items: [(label: String, holding: Holding)], by dimension: String) -> String {
        var currencies: [String: [String: Decimal]] = [:]
        for item in items {
            currencies[item.holding.currency, default: [:]][item.label, default: 0] += item.holding.marketValue ?? item.holding.costValue
        }
        guard !currencies.isEmpty else { return dimension == "symbol" ? "<p class=\"muted\" id=\"allocation-empty\">nothing held</p>" : "" }
        var html = ""
        for currency in currencies.keys.sorted() {
            let values = currencies[currency]!
            let total = values.values.reduce(0, +)
            let rows = values.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { entry in
                (label: entry.key, value: entry.value, percent: total == 0 ? Decimal(0) : (entry.value * 100 / total).rounded(2))
            }
            let id = "allocation-\(dimension)-\(currency)"
            let shown = rows.prefix(12).map { ($0.label, $0.percent) }
            let table = rows.map { row in
                "<tr data-allocation=\"\(HTML.escape(dimension))\" data-currency=\"\(HTML.escape(currency))\" data-label=\"\(HTML.escape(row.label))\" "
                    + "data-percent=\"\(row.percent.exactText)\"><td>\(HTML.escape(row.label))</td><td class=\"num\">\(row.value.exactText)</td>"
                    + "<td class=\"num\">\(row.percent.exactText) %</td></tr>"
            }.joined(separator: "\n")
            html += """
                <h3>By \(HTML.escape(dimension)), \(HTML.escape(currency))</h3>\
                \(PortfolioChart.bars(id: id, title: "Share of \(currency) market value by \(dimension)", shown))\
                \(rows.count > 12 ? "<p class=\"muted\">the 12 largest of \(rows.count); all in the table</p>" : "")
                <table id="\(HTML.escape(id))-table"><thead><tr><th>\(dimension == "symbol" ? "Symbol" : "Broker")</th>\
                <th class="num">Market value</th><th class="num">Share</th></tr></thead><tbody>
                \(table)
                </tbody></table>
                """
        }
        return html
    }
}
