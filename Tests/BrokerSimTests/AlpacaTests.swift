import Contracts
import CurlClient
import Foundation
import SandboxData
import Testing

@testable import BrokerSim

@Suite("Alpaca format")
struct AlpacaTests {
    @Test("positions are US holdings with string decimals, exact; every response has rate-limit headers")
    func positionsMatchPortfolio() async throws {
        let sim = try await SimulatorProcess.start()
        let response = try await sim.alpaca("/v2/positions", token: "alpaca-key-1")
        #expect(response.status == 200)
        let positions = try decodeBroker([AlpacaPosition].self, response)
        let expected = SimulatedPortfolio(token: "alpaca-key-1", day: 0, count: 20, market: .us).holdings
        #expect(positions.count == expected.count)
        for (position, holding) in zip(positions, expected) {
            #expect(position.symbol == holding.symbol && position.exchange == holding.exchange)
            #expect(position.qty == holding.quantity)
            #expect(position.avgEntryPrice == holding.averagePrice)
            #expect(position.currentPrice == holding.lastPrice)
            #expect(position.lastdayPrice == holding.closePrice)
            #expect(position.marketValue == holding.quantity * holding.lastPrice)
            #expect(position.assetClass == "us_equity" && position.side == "long")
        }
        // Quantities travel as JSON strings.
        if case .array(let items) = try decodeJSON(response), let first = items.first {
            #expect(first["qty"]?.stringValue != nil)
        } else {
            Issue.record("positions must be a bare array")
        }
        for name in ["X-Ratelimit-Limit", "X-Ratelimit-Remaining", "X-Ratelimit-Reset"] {
            #expect(response.header(name) != nil, "missing \(name)")
        }
        let account = try decodeJSON(try await sim.alpaca("/v2/account", token: "alpaca-key-1"))
        #expect(account["status"]?.stringValue == "ACTIVE" && account["currency"]?.stringValue == "USD")
        #expect(account["id"]?.stringValue?.count == 36)
        await sim.stop()
    }

    @Test("missing or expired keys get 401 with Alpaca's body")
    func unauthorized() async throws {
        let sim = try await SimulatorProcess.start()
        let missingSecret = try await sim.send("GET", "/v2/positions", headers: [("APCA-API-KEY-ID", "alpaca-key-1")])
        let expired = try await sim.alpaca("/v2/positions", token: "expired-alpaca")
        for response in [missingSecret, expired] {
            #expect(response.status == 401)
            #expect(response.text == #"{"code":40110000,"message":"unauthorized"}"#)
            #expect(response.header("X-Ratelimit-Limit") != nil)
        }
        await sim.stop()
    }

    @Test("activities page by page_size and page_token, newest first, covering every fill once")
    func activitiesPaging() async throws {
        let sim = try await SimulatorProcess.start(["PSYNC_SIM_HOLDINGS": "60"])
        let token = "alpaca-paging"
        let all = try decodeBroker([AlpacaActivity].self, try await sim.alpaca("/v2/account/activities?activity_types=FILL", token: token))
        let trades = SimulatedPortfolio(token: token, day: 0, count: 60, market: .us).trades
        #expect(all.count == trades.count)
        #expect(all.count > 10, "need more than two pages")
        #expect(all.map(\.id) == all.map(\.id).sorted(by: >))
        #expect(Set(all.map(\.symbol)) == Set(trades.map(\.symbol)))
        for activity in all {
            #expect(activity.activityType == "FILL")
            #expect(activity.transactionTime.hasSuffix("Z") && activity.transactionTime.hasPrefix("2026-01-01T"))
            let trade = try #require(trades.first { $0.symbol == activity.symbol })
            #expect(activity.qty == trade.quantity && activity.price == trade.price && activity.side == trade.side.lowercased())
        }

        var paged: [AlpacaActivity] = []
        var pageToken: String?
        var pages = 0
        repeat {
            var path = "/v2/account/activities?direction=desc&page_size=4"
            if let pageToken { path += "&page_token=" + pageToken }
            let page = try decodeBroker([AlpacaActivity].self, try await sim.alpaca(path, token: token))
            #expect(page.count <= 4)
            paged += page
            pageToken = page.count == 4 ? page.last?.id : nil
            pages += 1
        } while pageToken != nil && pages < 100
        #expect(paged.map(\.id) == all.map(\.id))

        let ascending = try decodeBroker([AlpacaActivity].self, try await sim.alpaca("/v2/account/activities?direction=asc", token: token))
        #expect(ascending.map(\.id) == all.map(\.id).reversed())
        let afterFirst = try decodeBroker(
            [AlpacaActivity].self,
            try await sim.alpaca("/v2/account/activities?direction=asc&page_size=2&page_token=\(ascending[0].id)", token: token))
        #expect(afterFirst.map(\.id) == Array(ascending.map(\.id)[1...2]))
        let dividends = try await sim.alpaca("/v2/account/activities/DIV", token: token)
        #expect(dividends.status == 200 && dividends.text == "[]")
        let badDirection = try await sim.alpaca("/v2/account/activities?direction=sideways", token: token)
        #expect(badDirection.status == 422)
        await sim.stop()
    }

    @Test("paper keys are served only by the paper host and live keys only by the live host; 401 otherwise")
    func paperAndLiveHosts() async throws {
        let sim = try await SimulatorProcess.start()
        let paperAtLive = try await sim.alpaca("/v2/positions", token: "paper-acct0")
        let liveAtPaper = try await sim.alpaca("/alpaca-paper/v2/positions", token: "acct0")
        for response in [paperAtLive, liveAtPaper] {
            #expect(response.status == 401 && response.text == #"{"code":40110000,"message":"unauthorized"}"#)
        }
        #expect(try await sim.alpaca("/alpaca-paper/v2/positions", token: "paper-acct0").status == 200)
        #expect(try await sim.alpaca("/alpaca-paper/v2/account/activities", token: "paper-acct0").status == 200)
        #expect(try await sim.alpaca("/v2/account", token: "acct0").status == 200)
        await sim.stop()
    }

    @Test("short positions are negative; a late dividend appears the next day dated the day before, filtered by after")
    func shortsAndLateDividends() async throws {
        let sim = try await SimulatorProcess.start()
        let key = "latediv-short-acct9"
        let positions = try decodeBroker([AlpacaPosition].self, try await sim.alpaca("/v2/positions", token: key))
        #expect(positions.enumerated().allSatisfy { index, position in (index % 4 == 3) == (position.side == "short") })
        #expect(positions.filter { $0.side == "short" }.allSatisfy { $0.qty < 0 && $0.marketValue < 0 })
        let dayZero = try decodeBroker([AlpacaActivity].self, try await sim.alpaca("/v2/account/activities", token: key))
        #expect(!dayZero.contains { $0.activityType == "DIV" })
        try await sim.configure(["day": .number(1)])
        let all = try decodeJSON(try await sim.alpaca("/v2/account/activities?direction=asc", token: key))
        guard case .array(let items) = all else {
            Issue.record("activities must be an array")
            return
        }
        let dividend = try #require(items.first { $0["activity_type"]?.stringValue == "DIV" })
        #expect(dividend["date"]?.stringValue == "2026-01-01" && dividend["id"]?.stringValue?.hasPrefix("20260102") == true)
        #expect(items.contains { $0["activity_type"]?.stringValue == "DIVNRA" })
        let after = try decodeJSON(try await sim.alpaca("/v2/account/activities?after=2026-01-01T20:00:00Z", token: key))
        guard case .array(let later) = after else {
            Issue.record("activities must be an array")
            return
        }
        #expect(!later.contains { $0["activity_type"]?.stringValue == "DIV" }, "after= alone skips the late dividend")
        let expected = try decodeJSON(try await sim.control("GET", "/sim/expected?format=alpaca&what=transactions&token=\(key)"))
        guard case .array(let rows) = expected else {
            Issue.record("expected must be an array")
            return
        }
        #expect(rows.contains { $0["kind"]?.stringValue == "dividend" } && rows.contains { $0["kind"]?.stringValue == "withholding_tax" })
        await sim.stop()
    }
}
