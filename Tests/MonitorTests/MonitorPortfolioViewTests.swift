import Contracts
import CurlClient
import ExactDecimal
import Foundation
import PostgresClient
import RPC
import TestSupport
import Testing

@Suite("Monitor: a portfolio's holdings with allocation, its value over time, and what changed between snapshots")
struct MonitorPortfolioViewTests {
    /// How many times `text` occurs in `page`.
    static func count(_ text: String, in page: String) -> Int { page.components(separatedBy: text).count - 1 }

    /// The `name="…"` attribute values of every element carrying `marker`.
    static func attribute(_ name: String, after marker: String, in page: String) -> [String] {
        page.components(separatedBy: marker).dropFirst().compactMap { part in
            guard let start = part.range(of: " \(name)=\"") else { return nil }
            return String(part[start.upperBound...].prefix { $0 != "\"" })
        }
    }

    @Test("two syncs with brokersim's day moved: the changes page lists exactly what was bought, sold and changed; read-only sees it")
    func changes() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-brokersim")
        try await stack.launchGateway("SANDBOX")
        try await stack.launch("psync-monitor")
        let accounts = try await stack.makeAccounts(broker: "SANDBOX", count: 2) { ["token": "portfolio-view-\($0)"] }
        let gateway = try stack.gateway("SANDBOX")
        var first: [Int] = []
        for account in accounts { first.append(try #require(try await gateway.call(GatewayAPI.syncNow, SyncNow(id: account.id)).snapshot).id) }
        _ = try await stack.simulator("PUT", "/sim/config", #"{"day":1}"#)
        var second: [Int] = []
        for account in accounts { second.append(try #require(try await gateway.call(GatewayAPI.syncNow, SyncNow(id: account.id)).snapshot).id) }

        let before = Set(Stack.expectedHoldings(token: "portfolio-view-0", day: 0).map { String($0.prefix { $0 != " " }) })
        let after = Set(Stack.expectedHoldings(token: "portfolio-view-0", day: 1).map { String($0.prefix { $0 != " " }) })
        #expect(!after.subtracting(before).isEmpty && !before.subtracting(after).isEmpty, "brokersim's next day buys and sells")
        let id = accounts[0].id
        let page = try await stack.monitorRequest("GET", "/accounts/\(id)/changes?from=\(first[0])&to=\(second[0])", token: Stack.readToken)
        #expect(page.status == 200)
        #expect(Set(Self.attribute("data-symbol", after: "data-change=\"bought\"", in: page.text)) == after.subtracting(before))
        #expect(Set(Self.attribute("data-symbol", after: "data-change=\"sold\"", in: page.text)) == before.subtracting(after))
        #expect(Self.count("data-change=\"changed\"", in: page.text) == 0, "brokersim moves prices, not quantities")
        #expect(page.text.contains("<strong data-count=\"unchanged\">\(before.intersection(after).count)</strong>"))

        // A third snapshot stored through the gateway's synchronous path: one quantity up with a new split, one average
        // price moved, one sold, one bought.
        var holdings = try await stack.admin.call(PersistenceAPI.accountHoldings, ByID(id: id)).holdings
        let grown = holdings[0].symbol
        let repriced = holdings[1].symbol
        let sold = holdings[2].symbol
        let quantity = holdings[0].quantity
        holdings[0] = Holding(
            symbol: grown, exchange: holdings[0].exchange, isin: holdings[0].isin, assetType: holdings[0].assetType, quantity: quantity + 5,
            averagePrice: holdings[0].averagePrice, lastPrice: holdings[0].lastPrice, currency: holdings[0].currency,
            split: HeldQuantity(free: quantity, unsettled: 5, pledged: 0))
        holdings[1].averagePrice += Decimal(exactText: "0.25")!
        holdings[1].costValue = holdings[1].quantity * holdings[1].averagePrice
        holdings.remove(at: 2)
        holdings.append(
            Holding(symbol: "NEWCO", exchange: "NSE", isin: nil, assetType: .stock, quantity: 3, averagePrice: 10, lastPrice: 11, currency: "INR"))
        let third = try await stack.persistence(as: Principal(.gateway, broker: "SANDBOX")).call(
            PersistenceAPI.storeSnapshot,
            StoreSnapshot(id: id, snapshot: HoldingsSnapshot(sourceSnapshotID: "portfolio-view-third", asOf: Date(), holdings: holdings)))
        let latest = try await stack.monitorRequest("GET", "/accounts/\(id)/changes", token: Stack.readToken)
        #expect(latest.status == 200)
        #expect(latest.text.contains("<option value=\"\(third.id)\" selected>") && latest.text.contains("<option value=\"\(second[0])\" selected>"))
        #expect(Self.attribute("data-symbol", after: "data-change=\"bought\"", in: latest.text) == ["NEWCO"])
        #expect(Self.attribute("data-symbol", after: "data-change=\"sold\"", in: latest.text) == [sold])
        #expect(Set(Self.attribute("data-symbol", after: "data-change=\"changed\"", in: latest.text)) == [grown, repriced])
        let row = try #require(latest.text.components(separatedBy: "data-symbol=\"\(grown)\"").dropFirst().first)
        #expect(row.contains("data-quantity-before=\"\(quantity.exactText)\" data-quantity-after=\"\((quantity + 5).exactText)\""))
        #expect(row.prefix(1200).contains("– → \(quantity.exactText) / 5 / 0"), "the split before (none) and after")

        // The portfolio's page shows every account's last two snapshots compared, and one account's chosen pair.
        let portfolio = accounts[0].portfolioID
        let all = try await stack.monitorRequest("GET", "/portfolios/\(portfolio)/changes", token: Stack.readToken)
        #expect(all.status == 200)
        for account in accounts { #expect(all.text.contains("data-summary=\"\(account.id)\""), "\(account.id)") }
        let chosen = try await stack.monitorRequest(
            "GET", "/portfolios/\(portfolio)/changes?account=\(id)&from=\(first[0])&to=\(second[0])", token: Stack.readToken)
        #expect(Set(Self.attribute("data-symbol", after: "data-change=\"bought\"", in: chosen.text)).isSuperset(of: after.subtracting(before)))

        // Bad input: a 4xx with a message, never a 500.
        #expect(try await stack.monitorRequest("GET", "/accounts/\(id)/changes?from=abc", token: Stack.readToken).status == 400)
        #expect(try await stack.monitorRequest("GET", "/accounts/\(id)/changes?from=\(first[1])", token: Stack.readToken).status == 422)
        #expect(try await stack.monitorRequest("GET", "/accounts/999999/changes", token: Stack.readToken).status == 404)
        #expect(try await stack.monitorRequest("GET", "/portfolios/999999/changes", token: Stack.readToken).status == 404)
        #expect(try await stack.monitorRequest("GET", "/accounts/\(id)/changes?from=999999", token: Stack.readToken).status == 404)
        await stack.stop()
    }

    @Test("the history page draws one point per stored total, with a table of them; the holdings page's totals are the API's")
    func historyAndHoldings() async throws {
        let stack = try await Stack.start()
        try await stack.launch("psync-brokersim")
        try await stack.launchGateway("SANDBOX")
        try await stack.launch("psync-monitor")
        let accounts = try await stack.makeAccounts(broker: "SANDBOX", count: 2) { ["token": "history-\($0)"] }
        let gateway = try stack.gateway("SANDBOX")
        for day in 0..<3 {
            _ = try await stack.simulator("PUT", "/sim/config", #"{"day":\#(day)}"#)
            for account in accounts { _ = try await gateway.call(GatewayAPI.syncNow, SyncNow(id: account.id)) }
        }
        let portfolio = accounts[0].portfolioID
        let stored = try await stack.count("SELECT count(*)::int FROM portfolio_totals WHERE portfolio_id = \(portfolio)")
        #expect(stored == 6, "each synchronous sync recomputes the totals")
        let history = try await stack.monitorRequest("GET", "/portfolios/\(portfolio)/history?days=all", token: Stack.readToken)
        #expect(history.status == 200)
        #expect(history.text.contains("<svg class=\"chart\" id=\"chart-value\"") && history.text.contains("<title id=\"chart-value-title\">"))
        #expect(Self.count("data-point=\"value\"", in: history.text) == stored)
        #expect(Self.count("data-point=\"pnl\"", in: history.text) == stored)
        #expect(Self.count("<tr data-total=", in: history.text) == stored)
        #expect(
            try await stack.monitorRequest("GET", "/portfolios/\(portfolio)/history", token: Stack.readToken).text.contains("data-point=\"value\""))
        #expect(try await stack.monitorRequest("GET", "/portfolios/\(portfolio)/history?days=7", token: Stack.readToken).status == 400)
        let user = try await stack.admin.call(PersistenceAPI.createUser, CreateUser(email: "history-empty@example.com", name: "Empty"))
        let empty = try await stack.admin.call(PersistenceAPI.createPortfolio, CreatePortfolio(userID: user.id, name: "Empty", baseCurrency: "INR"))
        let none = try await stack.monitorRequest("GET", "/portfolios/\(empty.id)/history", token: Stack.readToken)
        #expect(none.status == 200 && none.text.contains("id=\"history-empty\"") && !none.text.contains("<svg"))
        #expect(try await stack.monitorRequest("GET", "/portfolios/999999/history", token: Stack.readToken).status == 404)

        let api = try await stack.admin.call(PersistenceAPI.portfolioHoldings, ByID(id: portfolio))
        let holdings = try await stack.monitorRequest("GET", "/portfolios/\(portfolio)/holdings", token: Stack.readToken)
        #expect(holdings.status == 200 && !api.totals.isEmpty)
        for total in api.totals {
            #expect(
                holdings.text.contains(
                    "data-total-currency=\"\(total.currency)\" data-cost=\"\(total.costValue.exactText)\" "
                        + "data-value=\"\(total.marketValue.exactText)\" data-pnl=\"\(total.unrealisedPnL.exactText)\""), "\(total.currency)")
        }
        for account in accounts { #expect(holdings.text.contains("data-account=\"\(account.id)\""), "\(account.id)") }
        let shares = Self.attribute("data-percent", after: "data-allocation=\"symbol\" data-currency=\"INR\"", in: holdings.text)
        let sum = shares.compactMap { Decimal(exactText: $0) }.reduce(0, +)
        #expect(!shares.isEmpty && abs(sum - 100) <= Decimal(exactText: "0.5")!, "shares add up to 100 % give or take rounding: \(sum)")
        #expect(Self.attribute("data-label", after: "data-allocation=\"broker\" data-currency=\"INR\"", in: holdings.text) == ["SANDBOX"])
        #expect(holdings.text.contains("<svg class=\"chart\" id=\"allocation-symbol-INR\""))
        #expect(try await stack.monitorRequest("GET", "/portfolios/999999/holdings", token: Stack.readToken).status == 404)
        #expect(try await stack.monitorRequest("GET", "/portfolios/\(portfolio)/holdings").status == 303, "anonymous: to the login")
        await stack.stop()
    }
}
