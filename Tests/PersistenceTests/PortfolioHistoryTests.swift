import Contracts
import Foundation
import PostgresClient
import RPC
import TestSupport
import Testing

@Suite("A portfolio's totals over a window, thinned to a bounded number of points")
struct PortfolioHistoryTests {
    @Test("1,200 INR totals thin to 500 (the newest kept), 10 USD ones stay 10; a window cuts by time; bad input named")
    func history() async throws {
        let fixture = try await PersistenceFixture.start()
        let (_, portfolio, _) = try await fixture.makeAccounts(1)
        // One INR total every two hours for 100 days, ending an hour ago; ten USD totals a day apart.
        try await fixture.database.execute(
            """
            INSERT INTO portfolio_totals (portfolio_id, currency, as_of, cost_value, market_value, unrealised_pnl, holdings_count)
            SELECT \(portfolio.id)::bigint, 'INR', now() - interval '1 hour' - g * interval '2 hours', 1000 + g, 1100.05 + g, 100.05, 20
            FROM generate_series(0, 1199) g
            UNION ALL
            SELECT \(portfolio.id)::bigint, 'USD', now() - g * interval '1 day', 10, 12.5, 2.5, 3 FROM generate_series(0, 9) g
            """
        )
        let reader = fixture.client(as: Principal(.monitor))
        let all = try await reader.call(PersistenceAPI.portfolioHistory, PortfolioHistoryRequest(id: portfolio.id))
        #expect(all.portfolio.id == portfolio.id && all.stored == 1210)
        let inr = all.totals.filter { $0.total.currency == "INR" }
        #expect(inr.count == 500 && all.totals.filter { $0.total.currency == "USD" }.count == 10)
        #expect(inr.map(\.asOf) == inr.map(\.asOf).sorted(), "oldest first")
        #expect(inr.last?.total.costValue == 1000, "the newest total is always kept")
        #expect(inr.last?.total.marketValue == Decimal(string: "1100.05"))

        let month = try await reader.call(
            PersistenceAPI.portfolioHistory, PortfolioHistoryRequest(id: portfolio.id, since: Date().addingTimeInterval(-30 * 86_400)))
        #expect(month.totals.filter { $0.total.currency == "INR" }.count == 360 && month.stored == 370, "30 days of 12 a day, all shown")
        let few = try await reader.call(PersistenceAPI.portfolioHistory, PortfolioHistoryRequest(id: portfolio.id, points: 2))
        #expect(few.totals.count == 4)

        let (_, empty, _) = try await fixture.makeAccounts(1, email: "history-empty@example.com")
        let none = try await reader.call(PersistenceAPI.portfolioHistory, PortfolioHistoryRequest(id: empty.id))
        #expect(none.totals.isEmpty && none.stored == 0)
        await #expect(throws: RPCError.self) { try await reader.call(PersistenceAPI.portfolioHistory, PortfolioHistoryRequest(id: 999_999)) }
        do {
            _ = try await reader.call(PersistenceAPI.portfolioHistory, PortfolioHistoryRequest(id: portfolio.id, points: 1))
            Issue.record("points 1 was accepted")
        } catch let error as RPCError {
            #expect(error.status == 422 && error.apiError?.message.contains("points must be 2-2000") == true)
        }
        await fixture.stop()
    }
}
