import Contracts
import PostgresClient

/// Portfolios: create, list, read, change, delete.
struct PortfolioStore: Sendable {
    let pool: PostgresPool

    func create(_ request: CreatePortfolio, by actor: AuditActor) async throws -> Portfolio {
        try Validate.positive(request.userID, field: "userID")
        let name = try Validate.name(request.name, field: "name")
        let currency = try Validate.currency(request.baseCurrency)
        do {
            return try await pool.withTransaction { connection in
                guard try connection.query("SELECT 1 FROM users WHERE id = \(request.userID)").first != nil else {
                    throw APIError.notFound("user \(request.userID) does not exist")
                }
                let portfolio = try connection.query(
                    """
                    INSERT INTO portfolios AS p (user_id, name, base_currency) VALUES (\(request.userID), \(name), \(currency))
                    RETURNING \(Columns.portfolio)
                    """
                ).first!.portfolio()
                try AuditLog.record(
                    on: connection, by: actor, action: "create", entity: "portfolio", id: String(portfolio.id), before: nil as Portfolio?,
                    after: portfolio
                )
                return portfolio
            }
        } catch let error as PostgresError where error.isUniqueViolation {
            throw APIError.conflict("user \(request.userID) already has a portfolio named '\(name)'", details: .object(["field": .string("name")]))
        }
    }

    func list(_ request: ListPortfolios) async throws -> Page<Portfolio> {
        let paging = try Paging(request)
        var filters: [SQL] = ["TRUE"]
        if let userID = request.userID { filters.append("p.user_id = \(userID)") }
        if let active = request.active { filters.append("p.active = \(active)") }
        if let pattern = try SearchPattern.make(request.search) {
            filters.append(
                "(p.name ILIKE \(pattern) OR EXISTS (SELECT 1 FROM users o WHERE o.id = p.user_id AND (o.name ILIKE \(pattern) OR o.email ILIKE \(pattern))))"
            )
        }
        let rows = try await pool.query(
            """
            SELECT \(Columns.portfolio) FROM portfolios p WHERE \(SQL.join(filters, separator: " AND ")) \(paging.filter("p.id"))
            ORDER BY p.id DESC LIMIT \(paging.fetch)
            """
        )
        return paging.page(try rows.map { try $0.portfolio() }, id: \.id)
    }

    func get(_ id: Int) async throws -> Portfolio {
        guard let row = try await pool.query("SELECT \(Columns.portfolio) FROM portfolios p WHERE p.id = \(id)").first else {
            throw APIError.notFound("portfolio \(id) does not exist")
        }
        return try row.portfolio()
    }

    func update(_ request: UpdatePortfolio, by actor: AuditActor) async throws -> Portfolio {
        let name = try request.name.map { try Validate.name($0, field: "name") }
        let currency = try request.baseCurrency.map { try Validate.currency($0) }
        do {
            return try await pool.withTransaction { connection in
                guard
                    let before = try connection.query("SELECT \(Columns.portfolio) FROM portfolios p WHERE p.id = \(request.id) FOR UPDATE").first?
                        .portfolio()
                else { throw APIError.notFound("portfolio \(request.id) does not exist") }
                let after = try connection.query(
                    """
                    UPDATE portfolios AS p SET name = coalesce(\(name), p.name), base_currency = coalesce(\(currency), p.base_currency),
                        active = coalesce(\(request.active), p.active), updated_at = now()
                    WHERE p.id = \(request.id) RETURNING \(Columns.portfolio)
                    """
                ).first!.portfolio()
                let action = request.active == false ? "disable" : request.active == true && !before.active ? "enable" : "update"
                try AuditLog.record(
                    on: connection, by: actor, action: action, entity: "portfolio", id: String(after.id), before: before, after: after)
                return after
            }
        } catch let error as PostgresError where error.isUniqueViolation {
            throw APIError.conflict("this user already has a portfolio named '\(name ?? "")'", details: .object(["field": .string("name")]))
        }
    }

    /// Deletes a portfolio that holds no account (its totals history goes with it); one with accounts, or named by a
    /// schedule, is a 409 saying what to remove first.
    func delete(_ id: Int, by actor: AuditActor) async throws -> Deleted {
        try await pool.withTransaction { connection in
            guard let before = try connection.query("SELECT \(Columns.portfolio) FROM portfolios p WHERE p.id = \(id) FOR UPDATE").first?.portfolio()
            else { throw APIError.notFound("portfolio \(id) does not exist") }
            let accounts: Int = try connection.query("SELECT count(*)::bigint FROM broker_accounts WHERE portfolio_id = \(id)").scalar()
            guard accounts == 0 else {
                throw APIError.conflict(
                    "portfolio \(id) holds \(accounts) account\(accounts == 1 ? "" : "s"); delete them first, or disable the portfolio instead",
                    details: .object(["field": .string("id")]))
            }
            let schedules: Int = try connection.query(
                "SELECT count(*)::bigint FROM schedules WHERE scope_kind = 'portfolio' AND scope_id = \(id)"
            ).scalar()
            guard schedules == 0 else {
                throw APIError.conflict(
                    "\(schedules) schedule\(schedules == 1 ? " syncs" : "s sync") portfolio \(id); change or delete \(schedules == 1 ? "it" : "them") first",
                    details: .object(["field": .string("id")]))
            }
            try connection.execute("DELETE FROM portfolios WHERE id = \(id)")
            try AuditLog.record(
                on: connection, by: actor, action: "delete", entity: "portfolio", id: String(id), before: before, after: nil as Portfolio?)
            return Deleted(id: id)
        }
    }
}
