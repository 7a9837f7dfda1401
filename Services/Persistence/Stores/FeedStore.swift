import Contracts
import FoundationEssentials
import PostgresClient

/// Reads the change feed (`feed_events`), oldest first after a sequence number.
struct FeedStore: Sendable {
    let pool: PostgresPool

    func list(_ request: ListFeedEvents) async throws -> FeedPage {
        let limit = request.limit ?? 100
        guard (1...1000).contains(limit) else { throw APIError.unprocessable("limit must be 1 to 1,000, got \(limit)", field: "limit") }
        if let after = request.after, after < 0 { throw APIError.unprocessable("after must be a sequence number ≥ 0, got \(after)", field: "after") }
        if let since = request.since, !TimeBounds.contains(since) {
            throw APIError.unprocessable("since must be a time in \(TimeBounds.years)", field: "since")
        }
        if let types = request.types, types.isEmpty { throw APIError.unprocessable("types, when given, names at least one type", field: "types") }
        var filters: [SQL] = ["e.seq > \(request.after ?? 0)"]
        if let account = request.accountID { filters.append("e.account_id = \(account)") }
        if let portfolio = request.portfolioID { filters.append("e.portfolio_id = \(portfolio)") }
        if let types = request.types { filters.append("e.type = ANY(\(types.map(\.rawValue))::text[])") }
        if let since = request.since { filters.append("e.created_at >= \(since)") }
        let events = try await pool.query(
            "SELECT \(Columns.feedEvent) FROM feed_events e WHERE \(SQL.join(filters, separator: " AND ")) ORDER BY e.seq LIMIT \(limit)"
        ).map { try $0.feedEvent() }
        if events.isEmpty, let account = request.accountID, try await pool.query("SELECT 1 FROM broker_accounts WHERE id = \(account)").isEmpty {
            throw APIError.notFound("account \(account) does not exist")
        }
        return FeedPage(events: events, nextAfter: events.last?.sequence ?? request.after)
    }
}
