import Contracts
import PostgresClient

/// Portfolios: create, list, read, change.
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
}
