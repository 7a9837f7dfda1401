import Contracts
import FoundationEssentials
import PostgresClient

extension HoldingsStore {
    /// A portfolio's totals in a window, at most `points` per currency: with more stored, the window is cut into that many
    /// even slices (by time order) and the last total of each slice is kept, so the newest figure is always shown.
    func history(_ request: PortfolioHistoryRequest) async throws -> PortfolioHistory {
        let points = request.points ?? 500
        guard (2...2000).contains(points) else { throw APIError.unprocessable("points must be 2-2000, got \(points)", field: "points") }
        guard let portfolio = try await pool.query("SELECT \(Columns.portfolio) FROM portfolios p WHERE p.id = \(request.id)").first?.portfolio()
        else { throw APIError.notFound("portfolio \(request.id) does not exist") }
        var filters: [SQL] = ["portfolio_id = \(request.id)"]
        if let since = request.since { filters.append("as_of >= \(since)") }
        let rows = try await pool.query(
            """
            WITH window_totals AS (
                SELECT portfolio_id, currency, as_of, run_id, cost_value, market_value, unrealised_pnl, holdings_count,
                    ntile(\(points)) OVER (PARTITION BY currency ORDER BY as_of) AS slice, count(*) OVER () AS stored
                FROM portfolio_totals WHERE \(SQL.join(filters, separator: " AND "))
            )
            SELECT DISTINCT ON (currency, slice) * FROM window_totals ORDER BY currency, slice, as_of DESC
            """
        )
        let totals = try rows.map { row in
            PortfolioTotal(
                portfolioID: try row.decode(named: "portfolio_id"), asOf: try row.decode(named: "as_of"), runID: try row.decode(named: "run_id"),
                total: try row.currencyTotal())
        }
        let stored: Int = try rows.first.map { try $0.decode(Int.self, named: "stored") } ?? 0
        return PortfolioHistory(
            portfolio: portfolio, totals: totals.sorted { ($0.asOf, $0.total.currency) < ($1.asOf, $1.total.currency) }, stored: stored)
    }
}
