import Contracts
import PostgresClient

/// Portfolio totals: recomputed from current holdings (every account but disabled ones) and kept over time.
struct TotalsStore: Sendable {
    let pool: PostgresPool

    func recompute(_ request: RecomputeTotals) async throws -> [PortfolioTotal] {
        guard !request.portfolioIDs.isEmpty else { return [] }
        guard request.portfolioIDs.count <= 10_000 else {
            throw APIError.unprocessable("portfolioIDs may hold at most 10,000 ids per call", field: "portfolioIDs")
        }
        return try await pool.withTransaction { connection in
            try Self.recompute(portfolioIDs: request.portfolioIDs, runID: request.runID, on: connection)
        }
    }

    /// Inserts one totals row per (portfolio, currency) as of now; a portfolio with no holdings gets a zero row in its base currency.
    static func recompute(portfolioIDs: [Int], runID: Int?, on connection: isolated PostgresConnection) throws -> [PortfolioTotal] {
        let rows = try connection.query(
            """
            WITH sums AS (
                SELECT a.portfolio_id, \(HoldingsStore.totalColumns)
                FROM broker_accounts a JOIN holdings h ON h.snapshot_id = a.current_snapshot_id
                WHERE a.portfolio_id = ANY(\(portfolioIDs)) AND a.status <> 'disabled'
                GROUP BY a.portfolio_id, h.currency
            ), filled AS (
                SELECT * FROM sums
                UNION ALL
                SELECT p.id, p.base_currency, 0, 0, 0, 0 FROM portfolios p
                WHERE p.id = ANY(\(portfolioIDs)) AND NOT EXISTS (SELECT 1 FROM sums WHERE sums.portfolio_id = p.id)
            )
            INSERT INTO portfolio_totals (portfolio_id, currency, as_of, cost_value, market_value, unrealised_pnl, holdings_count, run_id)
            SELECT portfolio_id, currency, now(), cost_value, market_value, unrealised_pnl, holdings_count, \(runID) FROM filled
            RETURNING portfolio_id, currency, as_of, run_id, cost_value, market_value, unrealised_pnl, holdings_count
            """
        )
        return try rows.map { row in
            PortfolioTotal(
                portfolioID: try row.decode(named: "portfolio_id"),
                asOf: try row.decode(named: "as_of"),
                runID: try row.decode(named: "run_id"),
                total: try row.currencyTotal()
            )
        }
        .sorted { ($0.portfolioID, $0.total.currency) < ($1.portfolioID, $1.total.currency) }
    }
}
