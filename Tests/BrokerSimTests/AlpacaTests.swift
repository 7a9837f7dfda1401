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
}
