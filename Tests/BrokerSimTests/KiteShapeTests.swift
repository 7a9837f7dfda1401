import Contracts
import CurlClient
import ExactDecimal
import Foundation
import SandboxData
import Testing

@testable import BrokerSim

@Suite("Kite's awkward shapes, per token")
struct KiteShapeTests {
    @Test("token words parse into shapes; splits always add up to the simulated quantity")
    func shapesAddUp() {
        let shapes = KiteShapes(token: "pledged-t1-mtf-mf-fno-pnlskew-day3-fullpledge-acct9")
        #expect(shapes.pledged && shapes.unsettled && shapes.marginFunded && shapes.mutualFunds && shapes.derivatives && shapes.pnlSkew)
        #expect(shapes.fullyPledged && shapes.loginDay == 3 && shapes.mutualFundsRefusal == nil)
        #expect(!shapes.loginExpired(on: 3) && shapes.loginExpired(on: 4))
        #expect(KiteShapes(token: "acct-pledged") == KiteShapes(token: "x"), "words count only before the first that is not a shape")
        #expect(KiteShapes(token: "mfdenied-a").mutualFundsRefusal == .permission && KiteShapes(token: "mf404-a").mutualFundsRefusal == .notFound)
        for index in 0..<40 {
            for quantity in [1, 2, 3, 7, 500] {
                let split = shapes.split(index, quantity: quantity)
                #expect(split.free + split.unsettled + split.pledged == quantity && split.free >= 0 && split.unsettled >= 0 && split.pledged >= 0)
            }
        }
        #expect(shapes.split(0, quantity: 9) == (0, 0, 9))
    }

    @Test("holdings show free, T+1, pledged and MTF quantities that add up to what brokersim expects stored")
    func holdingsAndExpected() async throws {
        let sim = try await SimulatorProcess.start()
        let token = "pledged-t1-mtf-fullpledge-acct1"
        let served = try decodeBroker(SuccessEnvelope<[KiteHolding]>.self, try await sim.kite("/portfolio/holdings", token: token)).data
        let portfolio = SimulatedPortfolio(token: token, day: 0, count: 20).holdings
        #expect(served.count == 20)
        for (holding, position) in zip(served, portfolio) {
            #expect(holding.quantity + (holding.t1Quantity ?? 0) + (holding.collateralQuantity ?? 0) == position.quantity)
            #expect(holding.pnl == (position.lastPrice - position.averagePrice) * position.quantity, "pnl is on the held quantity")
        }
        #expect(served[0].quantity == 0 && served[0].collateralQuantity == portfolio[0].quantity, "the first holding wholly pledged")
        #expect(served.contains { ($0.collateralQuantity ?? 0) > 0 && $0.quantity > 0 })
        #expect(served.contains { ($0.t1Quantity ?? 0) > 0 })
        let lots = served.compactMap(\.mtf).filter { $0.quantity > 0 }
        #expect(lots.count == 4)

        let expected = try decodeJSON(try await sim.control("GET", "/sim/expected?format=kite&token=\(token)"))
        guard case .array(let rows) = expected else {
            Issue.record("expected must be an array")
            return
        }
        #expect(rows.count == 24, "20 holdings and 4 MTF lots")
        #expect(
            rows[0]["quantity"]?.stringValue == portfolio[0].quantity.exactText && rows[0]["pledged"]?.stringValue == portfolio[0].quantity.exactText)
        #expect(rows[0]["free"]?.stringValue == "0")
        let margin = rows.filter { $0["lot"]?.stringValue == "mtf" }
        #expect(margin.count == 4 && margin.allSatisfy { $0["free"] == nil })
        await sim.stop()
    }

    @Test("mutual funds are served, refused with PermissionException, or not found, as the token says")
    func mutualFunds() async throws {
        let sim = try await SimulatorProcess.start()
        let funds = try decodeJSON(try await sim.kite("/mf/holdings", token: "mf-acct1"))
        if case .array(let items) = funds["data"] {
            #expect(items.count == 3)
            #expect(items.first?["quantity"].map { if case .number = $0 { true } else { false } } == true)
        } else {
            Issue.record("data must be an array")
        }
        let none = try decodeJSON(try await sim.kite("/mf/holdings", token: "acct2"))
        #expect(none["data"] == .array([]))
        let denied = try await sim.kite("/mf/holdings", token: "mfdenied-acct3")
        #expect(try denied.status == 403 && decodeBroker(KiteError.self, denied).errorType == "PermissionException")
        let missing = try await sim.kite("/mf/holdings", token: "mf404-acct4")
        #expect(try missing.status == 404 && decodeBroker(KiteError.self, missing).errorType == "GeneralException")
        #expect(try await sim.kite("/portfolio/holdings", token: "mfdenied-acct3").status == 200, "only the MF call is refused")
        await sim.stop()
    }

    @Test("fno positions and fills carry contracts in lots with their multiplier; values are quantity × price × multiplier")
    func contracts() async throws {
        let sim = try await SimulatorProcess.start()
        let positions = try decodeJSON(try await sim.kite("/portfolio/positions", token: "fno-acct1"))
        guard case .array(let net) = positions["data"]?["net"] else {
            Issue.record("net must be an array")
            return
        }
        let lead = try #require(net.first { $0["tradingsymbol"]?.stringValue == "LEADMINI26JANFUT" })
        #expect(lead["multiplier"] == .number(1000) && lead["quantity"] == .number(2) && lead["buy_value"] == .number(322_100))
        let trades = try decodeJSON(try await sim.kite("/trades", token: "fno-acct1"))
        if case .array(let fills) = trades["data"] {
            let usd = try #require(fills.first { $0["tradingsymbol"]?.stringValue == "USDINR26JANFUT" })
            #expect(usd["quantity"] == .number(3) && usd["transaction_type"]?.stringValue == "SELL" && usd["multiplier"] == nil)
        }
        let expected = try decodeJSON(try await sim.control("GET", "/sim/expected?format=kite&token=fno-acct1&what=positions"))
        if case .array(let rows) = expected {
            #expect(rows.contains { $0["symbol"]?.stringValue == "USDINR26JANFUT" && $0["multiplier"]?.stringValue == "1000" })
        }
        await sim.stop()
    }

    @Test("a login from an earlier simulated day is refused with TokenException; 429-no-retry-after strips the header")
    func loginDayAndBare429() async throws {
        let sim = try await SimulatorProcess.start()
        #expect(try await sim.kite("/portfolio/holdings", token: "day0-kite-abc").status == 200)
        try await sim.configure(["day": .number(1)])
        let refused = try await sim.kite("/portfolio/holdings", token: "day0-kite-abc")
        #expect(try refused.status == 403 && decodeBroker(KiteError.self, refused).errorType == "TokenException")
        #expect(try await sim.kite("/portfolio/holdings", token: "day1-kite-abc").status == 200)
        try await sim.inject(["429", "429-no-retry-after"], token: "alpaca-bare")
        let first = try await sim.alpaca("/v2/positions", token: "alpaca-bare")
        let second = try await sim.alpaca("/v2/positions", token: "alpaca-bare")
        #expect(first.status == 429 && first.header("Retry-After") == "1")
        #expect(second.status == 429 && second.header("Retry-After") == nil)
        await sim.stop()
    }
}
