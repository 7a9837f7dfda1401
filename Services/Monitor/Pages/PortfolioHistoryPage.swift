import Contracts
import ExactDecimal
import FoundationEssentials

/// A portfolio's market value and unrealised P&L over time, one line per currency, from its stored totals; the same
/// points in a table below the charts.
enum PortfolioHistoryPage {
    /// The windows offered (`?days=`), and the default.
    static let windows = ["30", "90", "365", "all"]
    static let defaultWindow = "30"

    /// Since when a window reaches; `nil` for all; a 400 naming the choices for anything else.
    static func since(_ window: String, now: Date = Date()) throws -> Date? {
        guard windows.contains(window) else {
            throw APIError.badRequest("days must be one of 30, 90, 365 or all, got '\(window.prefix(20))'")
        }
        return Int(window).map { now.addingTimeInterval(-Double($0) * 86_400) }
    }

    static func render(_ history: PortfolioHistory, window: String) -> String {
        let portfolio = history.portfolio
        let choices = windows.map { value in
            let label = value == "all" ? "all" : "\(value) days"
            return value == window
                ? "<strong data-window=\"\(value)\" aria-current=\"true\">\(label)</strong>"
                : "<a data-window=\"\(value)\" href=\"/portfolios/\(portfolio.id)/history?days=\(value)\">\(label)</a>"
        }.joined(separator: " · ")
        let header = """
            <p>\(HTML.link("/portfolios/\(portfolio.id)", "Portfolio \(portfolio.name)")) · \
            \(HTML.link("/portfolios/\(portfolio.id)/holdings", "holdings")) · \(HTML.link("/portfolios/\(portfolio.id)/changes", "what changed"))</p>
            <p id="history-window">Window: \(choices)</p>
            """
        guard !history.totals.isEmpty else {
            return header
                + "<p class=\"muted\" id=\"history-empty\">No totals stored for this portfolio in this window: totals are kept each time a run "
                + "syncs the portfolio's accounts.</p>"
        }
        let currencies = Array(Set(history.totals.map(\.total.currency))).sorted()
        func series(_ value: (CurrencyTotal) -> Decimal, _ name: String) -> [PortfolioChart.Series] {
            currencies.map { currency in
                PortfolioChart.Series(
                    name: "\(name), \(currency)", currency: currency,
                    points: history.totals.filter { $0.total.currency == currency }.map { ($0.asOf, value($0.total)) })
            }
        }
        let thinned =
            history.stored > history.totals.count
            ? "<p class=\"muted\" id=\"history-thinned\">\(history.stored) totals stored in this window; \(history.totals.count) shown "
                + "(the last of each even slice).</p>" : ""
        let rows = history.totals.reversed().map { point -> String in
            """
            <tr data-total="\(HTML.escape(ISO8601.format(point.asOf)))" data-currency="\(HTML.escape(point.total.currency))">\
            <td>\(HTML.time(point.asOf))</td><td>\(HTML.escape(point.total.currency))</td><td class="num">\(point.total.holdingsCount)</td>\
            <td class="num">\(point.total.costValue.exactText)</td><td class="num">\(point.total.marketValue.exactText)</td>\
            <td class="num">\(point.total.unrealisedPnL.exactText)</td><td>\(point.runID.map { HTML.link("/runs/\($0)", "#\($0)") } ?? "–")</td></tr>
            """
        }.joined(separator: "\n")
        return """
            \(header)\(thinned)
            <h2>Market value</h2>\(PortfolioChart.lines(id: "chart-value", title: "Market value of \(portfolio.name) over time, per currency", series: "value", series(\.marketValue, "market value")))
            <h2>Unrealised P&amp;L</h2>\(PortfolioChart.lines(id: "chart-pnl", title: "Unrealised P&L of \(portfolio.name) over time, per currency", series: "pnl", series(\.unrealisedPnL, "unrealised P&L")))
            <h2>The points</h2>
            <table id="history-table"><thead><tr><th>As of</th><th>Currency</th><th class="num">Holdings</th><th class="num">Cost</th>\
            <th class="num">Market value</th><th class="num">Unrealised P&amp;L</th><th>Run</th></tr></thead><tbody>
            \(rows)
            </tbody></table>
            """
    }
}
