import Contracts
import CurlClient
import ExactDecimal
import Foundation
import SandboxData
import Testing

@testable import BrokerSim

@Suite("Kite Connect v3 format")
struct KiteTests {
    @Test("holdings equal SimulatedPortfolio exactly, field for field")
    func holdingsMatchPortfolio() async throws {
        let sim = try await SimulatorProcess.start(["PSYNC_SIM_HOLDINGS": "30"])
        let response = try await sim.kite("/portfolio/holdings", token: "kite-holdings-1")
        #expect(response.status == 200)
        #expect(response.header("Content-Type")?.hasPrefix("application/json") == true)
        let envelope = try decodeBroker(SuccessEnvelope<[KiteHolding]>.self, response)
        let expected = SimulatedPortfolio(token: "kite-holdings-1", day: 0, count: 30, market: .india).holdings
        #expect(envelope.status == "success")
        #expect(envelope.data.count == 30)
        for (holding, position) in zip(envelope.data, expected) {
            #expect(holding.tradingsymbol == position.symbol)
            #expect(holding.exchange == position.exchange)
            #expect(holding.isin == position.isin)
            #expect(holding.instrumentToken == position.instrumentToken)
            #expect(holding.product == "CNC")
            #expect(holding.quantity == position.quantity)
            #expect(holding.averagePrice == position.averagePrice)
            #expect(holding.lastPrice == position.lastPrice)
            #expect(holding.closePrice == position.closePrice)
            #expect(holding.pnl == (position.lastPrice - position.averagePrice) * position.quantity)
            #expect(holding.authorisedDate == "2026-01-01 00:00:00")
        }
        // Every key of the official mock is present.
        let first = try decodeJSON(response)["data"].flatMap { value -> JSONValue? in
            if case .array(let items) = value { return items.first }
            return nil
        }
        for key in [
            "tradingsymbol", "exchange", "instrument_token", "isin", "product", "price", "quantity", "used_quantity", "t1_quantity",
            "realised_quantity", "authorised_quantity", "authorised_date", "opening_quantity", "collateral_quantity", "collateral_type",
            "discrepancy", "average_price", "last_price", "close_price", "pnl", "day_change", "day_change_percentage",
        ] {
            #expect(first?[key] != nil, "missing \(key)")
        }
        await sim.stop()
    }

    @Test("data is stable across calls and moves with the simulated day")
    func stableAndDayDependent() async throws {
        let sim = try await SimulatorProcess.start()
        let token = "kite-days-1"
        let first = try await sim.kite("/portfolio/holdings", token: token)
        let second = try await sim.kite("/portfolio/holdings", token: token)
        #expect(first.body == second.body)

        try await sim.configure(["day": .number(1)])
        let nextDay = try decodeBroker(SuccessEnvelope<[KiteHolding]>.self, try await sim.kite("/portfolio/holdings", token: token)).data
        let dayZero = SimulatedPortfolio(token: token, day: 0, count: 20).holdings
        let dayOne = SimulatedPortfolio(token: token, day: 1, count: 20).holdings
        #expect(nextDay.map(\.tradingsymbol) == dayOne.map(\.symbol))
        #expect(nextDay.map(\.lastPrice) == dayOne.map(\.lastPrice))
        let sold = Set(dayZero.map(\.symbol)).subtracting(dayOne.map(\.symbol))
        #expect(!sold.isEmpty, "the portfolio should sell something between day 0 and day 1")
        #expect(Set(nextDay.map(\.tradingsymbol)).isDisjoint(with: sold))

        let trades = try decodeBroker(SuccessEnvelope<[KiteTrade]>.self, try await sim.kite("/trades", token: token)).data
        let expectedTrades = SimulatedPortfolio(token: token, day: 1, count: 20).trades
        #expect(trades.map(\.tradeId) == expectedTrades.map(\.tradeID))
        #expect(trades.map(\.quantity) == expectedTrades.map(\.quantity))
        #expect(trades.map(\.averagePrice) == expectedTrades.map(\.price))
        #expect(trades.map(\.transactionType) == expectedTrades.map(\.side))
        #expect(trades.allSatisfy { $0.fillTimestamp.hasPrefix("2026-01-02 ") })

        let positions = try decodeBroker(SuccessEnvelope<KitePositions>.self, try await sim.kite("/portfolio/positions", token: token)).data
        #expect(positions.net.map(\.tradingsymbol) == expectedTrades.map(\.symbol))
        #expect(positions.day.count == positions.net.count)
        #expect(positions.net.map(\.quantity) == expectedTrades.map { $0.side == "BUY" ? $0.quantity : -$0.quantity })
        await sim.stop()
    }

    @Test("X-Kite-Version and the token header are enforced")
    func headersEnforced() async throws {
        let sim = try await SimulatorProcess.start()
        let noVersion = try await sim.send("GET", "/portfolio/holdings", headers: [("Authorization", "token kite-api-key:abc")])
        #expect(noVersion.status == 400)
        #expect(try decodeBroker(KiteError.self, noVersion).errorType == "InputException")

        for headers in [
            [("X-Kite-Version", "3")],
            [("X-Kite-Version", "3"), ("Authorization", "Bearer abc")],
            [("X-Kite-Version", "3"), ("Authorization", "token no-colon")],
            [("X-Kite-Version", "3"), ("Authorization", "token kite-api-key:")],
        ] {
            let response = try await sim.send("GET", "/portfolio/holdings", headers: headers)
            #expect(response.status == 403)
            let error = try decodeBroker(KiteError.self, response)
            #expect(error.status == "error" && error.errorType == "TokenException")
        }
        await sim.stop()
    }

    @Test("expired- tokens and the expired fraction get 403 TokenException")
    func expiredTokens() async throws {
        let sim = try await SimulatorProcess.start(["PSYNC_SIM_EXPIRED_FRACTION": "0.5"])
        let expired = try await sim.kite("/portfolio/holdings", token: "expired-abc")
        #expect(expired.status == 403)
        #expect(try decodeBroker(KiteError.self, expired).errorType == "TokenException")
        var seen = (expired: 0, fine: 0)
        for index in 0..<20 {
            let token = "kite-fraction-\(index)"
            let response = try await sim.kite("/user/profile", token: token)
            let predicted = Double(SimulatedPortfolio.hash(token) % 10_000) < 5_000
            #expect(response.status == (predicted ? 403 : 200), "\(token)")
            if predicted { seen.expired += 1 } else { seen.fine += 1 }
        }
        #expect(seen.expired > 0 && seen.fine > 0)
        await sim.stop()
    }

    @Test("session/token accepts the right checksum and refuses a wrong one")
    func sessionChecksum() async throws {
        let sim = try await SimulatorProcess.start()
        // sha256("kite-api-key" + "request-token-1" + "secret-kite-api-key"), computed with sha256sum.
        let checksum = "2b03e90ee1d6583846fd88ff12ad252d0d79b7aea37e6a6dea2624c708868200"
        let form = "api_key=kite-api-key&request_token=request-token-1&checksum=\(checksum)"
        let headers = [("X-Kite-Version", "3"), ("Content-Type", "application/x-www-form-urlencoded")]
        let accepted = try await sim.send("POST", "/session/token", headers: headers, body: Array(form.utf8))
        #expect(accepted.status == 200, "\(accepted.text)")
        let session = try decodeJSON(accepted)
        let accessToken = session["data"]?["access_token"]?.stringValue
        // "day<simulated day>-kite-" + the first 24 hex digits of sha256("kite-api-key" + "request-token-1").
        #expect(accessToken == "day0-kite-7368f7b683ad83a44ba4e079")
        #expect(session["data"]?["api_key"]?.stringValue == "kite-api-key")
        let profile = try decodeJSON(try await sim.kite("/user/profile", token: accessToken ?? ""))
        #expect(profile["data"]?["user_id"] == session["data"]?["user_id"])
        #expect(profile["data"]?["broker"]?.stringValue == "ZERODHA")

        let wrong = "api_key=kite-api-key&request_token=request-token-1&checksum=\(String(repeating: "0", count: 64))"
        let refused = try await sim.send("POST", "/session/token", headers: headers, body: Array(wrong.utf8))
        #expect(refused.status == 403)
        let error = try decodeBroker(KiteError.self, refused)
        #expect(error.errorType == "TokenException" && error.message == "Invalid checksum")

        let missing = try await sim.send("POST", "/session/token", headers: headers, body: Array("api_key=kite-api-key".utf8))
        #expect(missing.status == 400)
        #expect(try decodeBroker(KiteError.self, missing).errorType == "InputException")
        await sim.stop()
    }

    @Test("mutual-fund holdings are an empty list")
    func mutualFunds() async throws {
        let sim = try await SimulatorProcess.start()
        let response = try await sim.kite("/mf/holdings", token: "kite-mf")
        #expect(response.status == 200)
        #expect(response.text == #"{"status":"success","data":[]}"#)
        await sim.stop()
    }
}
