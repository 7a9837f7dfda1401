import Contracts
import FoundationEssentials
import PostgresClient

/// Reads of current holdings (each account's latest complete snapshot), history and totals.
///
/// Holdings without a last price count at cost in market value (so their unrealised P&L is zero).
struct HoldingsStore: Sendable {
    let pool: PostgresPool

    /// Which of an account's current snapshots a read is about.
    enum Kind: Sendable {
        case holdings, positions

        /// The `broker_accounts` column pointing at the current snapshot of this kind.
        var pointer: SQL { self == .holdings ? "current_snapshot_id" : "current_positions_snapshot_id" }
    }

    func account(_ id: Int, kind: Kind = .holdings) async throws -> AccountHoldings {
        try await pool.withConnection { connection in
            guard let holdings = try await Self.accountHoldings([id], kind: kind, on: connection).first else {
                throw APIError.notFound("account \(id) does not exist")
            }
            return holdings
        }
    }

    func portfolio(_ id: Int, kind: Kind = .holdings) async throws -> PortfolioHoldings {
        try await pool.withConnection { connection in
            guard let portfolio = try await Self.portfolioHoldings(portfolioIDs: [id], kind: kind, on: connection).first else {
                throw APIError.notFound("portfolio \(id) does not exist")
            }
            return portfolio
        }
    }

    func user(_ id: Int) async throws -> UserHoldings {
        try await pool.withConnection { connection in
            guard let user = try await connection.query("SELECT \(Columns.user) FROM users u WHERE u.id = \(id)").first?.user() else {
                throw APIError.notFound("user \(id) does not exist")
            }
            let portfolioIDs = try await connection.query("SELECT id FROM portfolios WHERE user_id = \(id) ORDER BY id").map {
                try $0.decode(Int.self, at: 0)
            }
            return UserHoldings(user: user, portfolios: try await Self.portfolioHoldings(portfolioIDs: portfolioIDs, on: connection))
        }
    }

    func snapshots(_ request: ListSnapshots) async throws -> Page<SnapshotSummary> {
        let paging = try Paging(request)
        let rows = try await pool.query(
            """
            SELECT \(Columns.snapshot) FROM holding_snapshots s WHERE s.account_id = \(request.id) AND s.kind = 'holdings' \(paging.filter("s.id"))
            ORDER BY s.id DESC LIMIT \(paging.fetch)
            """
        )
        if rows.isEmpty, paging.before == nil, try await pool.query("SELECT 1 FROM broker_accounts WHERE id = \(request.id)").isEmpty {
            throw APIError.notFound("account \(request.id) does not exist")
        }
        return paging.page(try rows.map { try $0.snapshotSummary() }, id: \.id)
    }

    func snapshot(_ id: Int) async throws -> SnapshotHoldings {
        guard let summary = try await pool.query("SELECT \(Columns.snapshot) FROM holding_snapshots s WHERE s.id = \(id)").first?.snapshotSummary()
        else {
            throw APIError.notFound("snapshot \(id) does not exist")
        }
        let holdings = try await pool.query("SELECT \(Columns.holding) FROM holdings h WHERE h.snapshot_id = \(id) ORDER BY h.line").map {
            try $0.holding()
        }
        return SnapshotHoldings(snapshot: summary, holdings: holdings)
    }

    func totals(_ request: ListTotals) async throws -> Page<PortfolioTotal> {
        let paging = try Paging(request)
        var filters: [SQL] = ["portfolio_id = \(request.id)"]
        if let currency = request.currency { filters.append("currency = \(currency.uppercased())") }
        if let since = request.since { filters.append("as_of >= \(since)") }
        let rows = try await pool.query(
            """
            SELECT id, portfolio_id, currency, as_of, run_id, cost_value, market_value, unrealised_pnl, holdings_count FROM portfolio_totals
            WHERE \(SQL.join(filters, separator: " AND ")) \(paging.filter("id")) ORDER BY id DESC LIMIT \(paging.fetch)
            """
        )
        if rows.isEmpty, paging.before == nil, try await pool.query("SELECT 1 FROM portfolios WHERE id = \(request.id)").isEmpty {
            throw APIError.notFound("portfolio \(request.id) does not exist")
        }
        let items = try rows.map { row in
            (
                try row.decode(Int.self, named: "id"),
                PortfolioTotal(
                    portfolioID: try row.decode(named: "portfolio_id"),
                    asOf: try row.decode(named: "as_of"),
                    runID: try row.decode(named: "run_id"),
                    total: try row.currencyTotal()
                )
            )
        }
        let (shown, cursor) = paging.slice(items) { $0.0 }
        return Page(items: shown.map(\.1), nextCursor: cursor)
    }

    // MARK: Shared by the readers above

    static func accountHoldings(_ ids: [Int], kind: Kind = .holdings, on connection: PostgresConnection) async throws -> [AccountHoldings] {
        let accounts = try await connection.query(
            "SELECT \(Columns.account), a.\(kind.pointer) AS current_snapshot_id FROM broker_accounts a JOIN portfolios p ON p.id = a.portfolio_id WHERE a.id = ANY(\(ids)) ORDER BY a.id"
        )
        let snapshotIDs = try accounts.compactMap { try $0.decode(Int?.self, named: "current_snapshot_id") }
        var summaries: [Int: SnapshotSummary] = [:]
        for row in try await connection.query("SELECT \(Columns.snapshot) FROM holding_snapshots s WHERE s.id = ANY(\(snapshotIDs))") {
            let summary = try row.snapshotSummary()
            summaries[summary.id] = summary
        }
        var holdings: [Int: [Holding]] = [:]
        for row in try await connection.query(
            "SELECT h.snapshot_id, \(Columns.holding) FROM holdings h WHERE h.snapshot_id = ANY(\(snapshotIDs)) ORDER BY h.snapshot_id, h.line"
        ) {
            holdings[try row.decode(Int.self, named: "snapshot_id"), default: []].append(try row.holding())
        }
        var totals: [Int: [CurrencyTotal]] = [:]
        for row in try await connection.query(
            "SELECT h.snapshot_id, \(totalColumns) FROM holdings h WHERE h.snapshot_id = ANY(\(snapshotIDs)) GROUP BY h.snapshot_id, h.currency ORDER BY h.currency"
        ) {
            totals[try row.decode(Int.self, named: "snapshot_id"), default: []].append(try row.currencyTotal())
        }
        return try accounts.map { row in
            let snapshotID: Int? = try row.decode(named: "current_snapshot_id")
            return AccountHoldings(
                account: try row.account(),
                snapshot: snapshotID.flatMap { summaries[$0] },
                holdings: snapshotID.flatMap { holdings[$0] } ?? [],
                totals: snapshotID.flatMap { totals[$0] } ?? []
            )
        }
    }

    static func portfolioHoldings(portfolioIDs: [Int], kind: Kind = .holdings, on connection: PostgresConnection) async throws -> [PortfolioHoldings]
    {
        let portfolios = try await connection.query("SELECT \(Columns.portfolio) FROM portfolios p WHERE p.id = ANY(\(portfolioIDs)) ORDER BY p.id")
            .map {
                try $0.portfolio()
            }
        let accountRows = try await connection.query(
            "SELECT id, portfolio_id FROM broker_accounts WHERE portfolio_id = ANY(\(portfolioIDs)) ORDER BY id")
        let accounts = try await accountHoldings(try accountRows.map { try $0.decode(Int.self, at: 0) }, kind: kind, on: connection)
        var totals: [Int: [CurrencyTotal]] = [:]
        for row in try await connection.query(
            """
            SELECT a.portfolio_id, \(totalColumns) FROM broker_accounts a JOIN holdings h ON h.snapshot_id = a.\(kind.pointer)
            WHERE a.portfolio_id = ANY(\(portfolioIDs)) AND a.status <> 'disabled' GROUP BY a.portfolio_id, h.currency ORDER BY h.currency
            """
        ) {
            totals[try row.decode(Int.self, named: "portfolio_id"), default: []].append(try row.currencyTotal())
        }
        return portfolios.map { portfolio in
            PortfolioHoldings(
                portfolio: portfolio,
                accounts: accounts.filter { $0.account.portfolioID == portfolio.id },
                totals: totals[portfolio.id] ?? []
            )
        }
    }

    /// Aggregates over `holdings h` grouped by currency.
    static let totalColumns: SQL = """
        h.currency, sum(h.cost_value) AS cost_value, sum(coalesce(h.market_value, h.cost_value)) AS market_value, \
        sum(coalesce(h.market_value, h.cost_value) - h.cost_value) AS unrealised_pnl, count(*)::int AS holdings_count
        """
}
