import Contracts
import CurlClient
import ExactDecimal
import Foundation
import SandboxData
import Testing

@testable import BrokerSim

@Suite("Upstox and SANDBOX formats")
struct UpstoxSandboxTests {
    @Test("Upstox long-term holdings equal SimulatedPortfolio exactly")
    func upstoxHoldings() async throws {
        let sim = try await SimulatorProcess.start()
        let response = try await sim.bearer("/v2/portfolio/long-term-holdings", token: "upstox-1")
        #expect(response.status == 200)
        let envelope = try decodeBroker(SuccessEnvelope<[UpstoxHolding]>.self, response)
        let expected = SimulatedPortfolio(token: "upstox-1", day: 0, count: 20).holdings
        #expect(envelope.status == "success" && envelope.data.count == expected.count)
        for (holding, position) in zip(envelope.data, expected) {
            #expect(holding.isin == position.isin && holding.exchange == position.exchange)
            #expect(holding.tradingsymbol == position.symbol && holding.tradingSymbol == position.symbol)
            #expect(holding.instrumentToken == "\(position.exchange)_EQ|\(position.isin)")
            #expect(holding.product == "D")
            #expect(holding.quantity == position.quantity && holding.averagePrice == position.averagePrice)
            #expect(holding.lastPrice == position.lastPrice && holding.closePrice == position.closePrice)
        }
        let profile = try decodeJSON(try await sim.bearer("/v2/user/profile", token: "upstox-1"))
        #expect(profile["data"]?["broker"]?.stringValue == "UPSTOX")
        await sim.stop()
    }

    @Test("Upstox refuses a missing or expired token with UDAPI100050")
    func upstoxUnauthorized() async throws {
        let sim = try await SimulatorProcess.start()
        let missing = try await sim.send("GET", "/v2/portfolio/long-term-holdings")
        let expired = try await sim.bearer("/v2/portfolio/long-term-holdings", token: "expired-upstox")
        for response in [missing, expired] {
            #expect(response.status == 401)
            let body = try decodeJSON(response)
            #expect(body["status"]?.stringValue == "error")
            guard case .array(let errors)? = body["errors"] else {
                Issue.record("errors must be an array: \(response.text)")
                continue
            }
            #expect(errors.first?["errorCode"]?.stringValue == "UDAPI100050")
            #expect(errors.first?["error_code"]?.stringValue == "UDAPI100050")
        }
        await sim.stop()
    }

    @Test("SANDBOX holdings equal SimulatedPortfolio exactly, as strings")
    func sandboxHoldings() async throws {
        let sim = try await SimulatorProcess.start(["PSYNC_SIM_HOLDINGS": "7", "PSYNC_SIM_DAY": "3"])
        let response = try await sim.bearer("/sandbox/v1/holdings", token: "sandbox-1")
        #expect(response.status == 200)
        let body = try decodeBroker(SandboxHoldings.self, response)
        let expected = SimulatedPortfolio(token: "sandbox-1", day: 3, count: 7).holdings
        #expect(body.holdings.count == 7)
        #expect(body.asOf.hasSuffix("Z") && body.account.hasPrefix("SBX-"))
        for (holding, position) in zip(body.holdings, expected) {
            #expect(holding.symbol == position.symbol && holding.isin == position.isin && holding.exchange == position.exchange)
            #expect(holding.quantity == position.quantity && holding.averagePrice == position.averagePrice && holding.lastPrice == position.lastPrice)
            #expect(holding.currency == "INR" && holding.assetType == "stock")
        }
        let expectedView = try decodeJSON(try await sim.control("GET", "/sim/expected?format=sandbox&token=sandbox-1"))
        guard case .array(let items) = expectedView else {
            Issue.record("expected must be an array")
            return
        }
        #expect(items.count == 7)
        #expect(items.first?["quantity"]?.stringValue == expected.first?.quantity.exactText)
        #expect(items.first?["averagePrice"]?.stringValue == expected.first?.averagePrice.exactText)
        let usView = try decodeJSON(try await sim.control("GET", "/sim/expected?format=alpaca&token=sandbox-1&day=0"))
        let usFirst = SimulatedPortfolio(token: "sandbox-1", day: 0, count: 7, market: .us).holdings.first
        if case .array(let usItems) = usView {
            #expect(usItems.first?["symbol"]?.stringValue == usFirst?.symbol && usItems.first?["currency"]?.stringValue == "USD")
        }
        await sim.stop()
    }

    @Test("SANDBOX transactions are the day's trades; a cursor at the current day returns none")
    func sandboxTransactions() async throws {
        let sim = try await SimulatorProcess.start(["PSYNC_SIM_DAY": "2"])
        let token = "sandbox-tx"
        let first = try decodeBroker(SandboxTransactions.self, try await sim.bearer("/sandbox/v1/transactions", token: token))
        let trades = SimulatedPortfolio(token: token, day: 2, count: 20).trades
        #expect(first.nextCursor == "day-2")
        #expect(first.transactions.count == trades.count)
        for (transaction, trade) in zip(first.transactions, trades) {
            #expect(transaction.type == trade.side.lowercased() && transaction.symbol == trade.symbol && transaction.isin == trade.isin)
            #expect(transaction.quantity == trade.quantity && transaction.price == trade.price)
            #expect(transaction.amount == trade.quantity * trade.price)
            #expect(transaction.executedAt.hasPrefix("2026-01-03T") && transaction.executedAt.hasSuffix("Z"))
        }
        let older = try decodeBroker(SandboxTransactions.self, try await sim.bearer("/sandbox/v1/transactions?since=day-1", token: token))
        #expect(older.transactions.count == trades.count)
        let caughtUp = try decodeBroker(SandboxTransactions.self, try await sim.bearer("/sandbox/v1/transactions?since=day-2", token: token))
        #expect(caughtUp.transactions.isEmpty && caughtUp.nextCursor == "day-2")
        let bad = try await sim.bearer("/sandbox/v1/transactions?since=yesterday", token: token)
        #expect(bad.status == 400)
        let unauthorized = try await sim.send("GET", "/sandbox/v1/holdings")
        #expect(unauthorized.status == 401)
        #expect(try decodeJSON(unauthorized)["error"]?["code"]?.stringValue == "invalid_token")
        let profile = try decodeJSON(try await sim.bearer("/sandbox/v1/profile", token: token))
        #expect(profile["account"]?.stringValue?.hasPrefix("SBX-") == true && profile["name"] != nil)
        await sim.stop()
    }
}
